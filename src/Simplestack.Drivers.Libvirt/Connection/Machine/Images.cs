using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;

namespace Simplestack.Drivers.Libvirt;

// Images (API.md §6): the volumes of the image pools (LibvirtDriverOptions.ImagePools, default
// "images"), which a machine's first disk can be an overlay on or a copy of.
public sealed partial class LibvirtMachineConnection : IImageCatalog
{
    /// <summary>The image pool used when the configuration names none.</summary>
    public const string DefaultImagePool = "images";

    private IReadOnlyList<string> ImagePools => _options.ImagePools.Count > 0 ? [.. _options.ImagePools] : [DefaultImagePool];

    public Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken) => _calls.RunAsync<IReadOnlyList<Image>>(() =>
    {
        var images = new List<Image>();
        foreach (var poolName in ImagePools)
        {
            using var pool = Native.TryLookupStoragePoolByName(poolName);
            if (pool is null || !pool.IsActive)
            {
                continue;
            }

            foreach (var volume in pool.ListAllVolumes())
            {
                using (volume)
                {
                    var info = volume.GetInfo();
                    images.Add(new Image(volume.Name, volume.Name, pool.Uuid, Math.Round(info.Capacity / BytesPerGiB, 2), (long)info.Capacity,
                        VolumeDescription.Parse(volume.GetXmlDesc()).Format, volume.Path));
                }
            }
        }

        return [.. images.OrderBy(i => i.Name, StringComparer.Ordinal)];
    }, cancellationToken);
}
