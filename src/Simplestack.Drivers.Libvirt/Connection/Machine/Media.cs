using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// ISO media: the guest's first CD-ROM drive, added on the first mount.
public sealed partial class LibvirtMachineConnection : IMediaManagement
{
    public Task<MediaDevice> GetMediaAsync(string guestId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        return DescribeMedia(domain);
    }, cancellationToken);

    public Task<MediaDevice> SetMediaAsync(string guestId, string? name, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var path = string.IsNullOrEmpty(name) ? null : ResolveIso(name);
        var description = DomainDescription.Parse(domain.GetXmlDesc());
        var cdrom = description.Disks.FirstOrDefault(d => d.Device == "cdrom");
        if (cdrom is null)
        {
            if (path is null)
            {
                return new MediaDevice(null);
            }

            var target = DiskTargets.Next("ide", description.Disks.Select(d => d.Target).Append("hda").Append("hdb"));
            var added = new DiskDefinition(target, "ide", new FileDiskSource(path)) { Device = "cdrom", Format = "raw", ReadOnly = true };
            ChangeDevice(domain, xml => DomainXml.WithDisk(xml, added), impact => domain.AttachDevice(DomainXml.BuildDisk(added), impact));
        }
        else
        {
            var changed = new DiskDefinition(cdrom.Target, cdrom.Bus, path is null ? null : new FileDiskSource(path)) { Device = "cdrom", Format = "raw", ReadOnly = true };
            ChangeDevice(domain, xml => DomainXml.WithDiskSource(xml, cdrom.Target, path), impact => domain.UpdateDevice(DomainXml.BuildDisk(changed), impact));
        }

        using var refreshed = FindDomain(domain.Uuid);
        return DescribeMedia(refreshed);
    }, cancellationToken);

    private MediaDevice DescribeMedia(LibvirtDomain domain)
    {
        var cdrom = DomainDescription.Parse(domain.GetXmlDesc()).Disks.FirstOrDefault(d => d.Device == "cdrom");
        if (cdrom?.SourcePath is not { } path)
        {
            return new MediaDevice(null);
        }

        using var volume = Native.TryLookupStorageVolumeByPath(path);
        return new MediaDevice(volume?.Name ?? path);
    }
}
