using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Images (API.md §6) are the pool's templates: VMs with is_a_template that are not snapshots nor
// the control domain. An image's id is the template's name (what create's image names; its uuid,
// the image's path, is accepted too); its size is what a guest made from it gets: the template's
// own disks plus the disks its provision spec (other_config "disks") makes.
public sealed partial class XenApiConnection : IImageCatalog
{
    public async Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken)
    {
        var vmsTask = Call.AllVms(cancellationToken);
        var vbdsTask = Call.AllVbds(cancellationToken);
        var vdisTask = Call.AllVdis(cancellationToken);
        var srsTask = Call.AllSrs(cancellationToken);
        var poolsTask = Call.AllPools(cancellationToken);
        await Task.WhenAll(vmsTask, vbdsTask, vdisTask, srsTask, poolsTask);
        var (vms, vbds, vdis, srs) = (vmsTask.Result, vbdsTask.Result, vdisTask.Result, srsTask.Result);
        var defaultSr = poolsTask.Result.Values.FirstOrDefault()?.DefaultSr ?? XenRefs.Null;

        return [.. vms.Values
            .Where(vm => vm.IsATemplate && !vm.IsASnapshot && !vm.IsControlDomain)
            .Select(template =>
            {
                var own = template.Vbds.Select(vbds.GetValueOrDefault).Where(IsDisk).Select(vbd => vdis.GetValueOrDefault(vbd!.Vdi)).OfType<VdiRecord>().ToList();
                var provisioned = ProvisionSpec(template);
                var bytes = own.Sum(vdi => vdi.VirtualSize) + provisioned.Sum(disk => disk.Bytes);
                var srUuid = provisioned.Select(disk => disk.SrUuid).FirstOrDefault(uuid => uuid.Length > 0)
                             ?? own.Select(vdi => srs.GetValueOrDefault(vdi.Sr)?.Uuid).FirstOrDefault(uuid => uuid is not null)
                             ?? srs.GetValueOrDefault(defaultSr)?.Uuid
                             ?? "";
                return new Image(template.NameLabel, template.NameLabel, srUuid, Math.Round(bytes / BytesPerGiB, 2), bytes, Format: null, Path: template.Uuid);
            })
            .OrderBy(image => image.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The disks a template's provision spec makes: xapi's <c>&lt;provision&gt;&lt;disk size=".." sr=".."/&gt;</c>
    /// in other_config "disks"; a spec that cannot be read makes none (VM.provision would refuse it).
    /// </summary>
    private static List<(long Bytes, string SrUuid)> ProvisionSpec(VmRecord template)
    {
        if (template.OtherConfig.GetValueOrDefault("disks") is not { Length: > 0 } spec)
        {
            return [];
        }

        try
        {
            return [.. XElement.Parse(spec).Elements("disk").Select(disk => (
                long.TryParse(disk.Attribute("size")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : 0,
                disk.Attribute("sr")?.Value ?? ""))];
        }
        catch (XmlException)
        {
            return [];
        }
    }
}
