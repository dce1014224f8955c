using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Metadata;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Disks, ISO media and NICs. A stopped guest's devices change by redefining its persistent XML
// (which every libvirt driver supports); a running guest's change live and in its definition,
// and where the hypervisor cannot hot-plug (the test driver) that answers 501.
public sealed partial class LibvirtHypervisorConnection
{
    private string ChangeDevice(LibvirtDomain domain, Func<string, string> editDefinition, Action<DomainModificationImpact> liveChange)
    {
        if (domain.IsActive)
        {
            liveChange(domain.IsPersistent ? DomainModificationImpact.Live | DomainModificationImpact.Config : DomainModificationImpact.Live);
            GuestTouched(domain.Uuid);
            return Applied.Live;
        }

        var definition = domain.GetXmlDesc(DomainXmlFlags.Inactive | DomainXmlFlags.Secure);
        Native.DefineDomain(editDefinition(definition)).Dispose();
        GuestTouched(domain.Uuid);
        return Applied.NextBoot;
    }

    // ---- disks ----

    public Task<IReadOnlyList<Disk>> ListDisksAsync(string guestId, CancellationToken cancellationToken) => _calls.RunAsync<IReadOnlyList<Disk>>(() =>
    {
        using var domain = FindDomain(guestId);
        return [.. GuestDisks(domain).Select((d, i) => DescribeDisk(domain, d, i))];
    }, cancellationToken);

    public Task<Disk> GetDiskAsync(string guestId, string diskId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (disk, number) = FindDisk(domain, diskId);
        return DescribeDisk(domain, disk, number);
    }, cancellationToken);

    public Task<Disk> CreateDiskAsync(string guestId, DiskCreateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var description = DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive));
        var bus = NormaliseBus(request.Bus);
        var target = DiskTargets.Next(bus, description.Disks.Select(d => d.Target));
        var undo = new UndoLog();
        try
        {
            string path, format;
            if (request.Volume is { } existing)
            {
                // Attach a volume as it is (Libcloud's attach_volume): not the guest's, so it outlives the disk.
                using var pool = FindPool(request.StorageId ?? throw new InvalidArgumentException("Attaching a volume needs its storage_id."));
                using var volume = FindVolume(pool, existing);
                path = volume.Path;
                if (ImagePools.Contains(pool.Name))
                {
                    throw new ConflictException($"Volume '{existing}' is an image other guests' disks may be based on; create a guest from it with \"image\" instead.");
                }

                if (VolumeUsers().TryGetValue(path, out var users))
                {
                    // Two writers on one disk image corrupt it.
                    throw new ConflictException($"Volume '{existing}' is already a disk of {string.Join(", ", users)}.");
                }

                format = VolumeDescription.Parse(volume.GetXmlDesc()).Format ?? "raw";
            }
            else
            {
                path = CreateVolumeForDisk(domain.Name, target, request.Size, request.StorageId, request.Name, image: null, imageCopy: null, undo, out format);
            }

            var disk = new DiskDefinition(target, bus, new FileDiskSource(path)) { Format = format };
            if (bus == "scsi" && !description.Disks.Any(d => d.Bus == "scsi") && domain.IsActive)
            {
                // A virtio-scsi controller appears on demand in a redefinition, not on a live attach.
                throw new ConflictException("Attach SCSI disks to a stopped guest, or to one that has a SCSI disk already.");
            }

            ChangeDevice(domain, xml => DomainXml.WithDisk(xml, disk), impact => domain.AttachDevice(DomainXml.BuildDisk(disk), impact));
            if (request.Volume is null)
            {
                RememberOwnedVolume(domain, path, add: true);
            }

            undo.Commit();
            using var refreshed = FindDomain(domain.Uuid);
            var (parsed, number) = FindDisk(refreshed, target);
            return DescribeDisk(refreshed, parsed, number);
        }
        catch
        {
            undo.Rollback();
            throw;
        }
    }, cancellationToken);

    public Task<Disk> UpdateDiskAsync(string guestId, string diskId, DiskUpdateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (disk, number) = FindDisk(domain, diskId);
        if (request.Name is { } name && name != DescribeDisk(domain, disk, number).Name)
        {
            throw new FeatureNotAvailableException("libvirt cannot rename a storage volume; a disk's name is its volume's name.");
        }

        if (request.Size is { } size)
        {
            var wanted = ToBytes(size);
            var current = DiskCapacityBytes(domain, disk);
            if (wanted < current)
            {
                throw new ConflictException("Disks can only grow.");
            }

            if (wanted > current)
            {
                ResizeDisk(domain, disk, wanted);
            }
        }

        var (refreshed, refreshedNumber) = FindDisk(domain, disk.Target);
        return DescribeDisk(domain, refreshed, refreshedNumber);
    }, cancellationToken);

    public Task DeleteDiskAsync(string guestId, string diskId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (disk, _) = FindDisk(domain, diskId);
        var definition = new DiskDefinition(disk.Target, disk.Bus, disk.SourcePath is null ? null : new FileDiskSource(disk.SourcePath)) { Format = disk.Format };
        ChangeDevice(domain, xml => DomainXml.WithoutDisk(xml, disk.Target), impact => domain.DetachDevice(DomainXml.BuildDisk(definition), impact));
        if (disk.SourcePath is { } path && OwnedVolumePaths(domain).Contains(path))
        {
            using (var volume = Native.TryLookupStorageVolumeByPath(path))
            {
                volume?.Delete();
            }

            RememberOwnedVolume(domain, path, add: false);
        }
    }, cancellationToken);

    private static List<ParsedDisk> GuestDisks(LibvirtDomain domain)
        => [.. DomainDescription.Parse(domain.GetXmlDesc()).Disks.Where(d => d.Device == "disk")];

    private static (ParsedDisk Disk, int Number) FindDisk(LibvirtDomain domain, string diskId)
    {
        var disks = GuestDisks(domain);
        var index = disks.FindIndex(d => d.Target == diskId);
        return index >= 0 ? (disks[index], index) : throw EntityNotFoundException.Of("disk", diskId);
    }

    private Disk DescribeDisk(LibvirtDomain domain, ParsedDisk disk, int number)
    {
        var bytes = DiskCapacityBytes(domain, disk);
        string name;
        var extra = new Dictionary<string, string>();
        if (disk.SourcePath is { } path && Native.TryLookupStorageVolumeByPath(path) is { } volume)
        {
            using (volume)
            {
                name = volume.Name;
            }
        }
        else
        {
            name = disk.SourceVolume ?? (disk.SourcePath is null ? disk.Target : Path.GetFileName(disk.SourcePath));
        }

        if (disk.SourcePool is { } pool)
        {
            extra["pool"] = pool;
        }

        if (disk.Serial is { } serial)
        {
            extra["serial"] = serial;
        }

        extra["readonly"] = disk.ReadOnly ? "true" : "false";
        return new Disk(disk.Target, name, number, Math.Round(bytes / BytesPerGiB, 2), extra, disk.Device, disk.Bus, disk.Format, disk.SourcePath, bytes);
    }

    /// <summary>Grows one disk: live with block_resize on a running guest, else its volume.</summary>
    private string ResizeDisk(LibvirtDomain domain, ParsedDisk disk, long bytes)
    {
        if (domain.IsActive)
        {
            domain.BlockResize(disk.Target, (ulong)bytes);
            GuestTouched(domain.Uuid);
            return Applied.Live;
        }

        using var volume = (disk.SourcePath is null ? null : Native.TryLookupStorageVolumeByPath(disk.SourcePath))
            ?? throw new FeatureNotAvailableException($"Disk '{disk.Target}' is not a storage volume, so it cannot be grown here.");
        volume.Resize((ulong)bytes);
        GuestTouched(domain.Uuid);
        return Applied.NextBoot;
    }

    private static HashSet<string> OwnedVolumePaths(LibvirtDomain domain)
        => [.. OwnedVolumes.Parse(domain.GetMetadata(DomainMetadataType.Element, OwnedVolumes.NamespaceUri, DomainModificationImpact.Config))];

    private static void RememberOwnedVolume(LibvirtDomain domain, string path, bool add)
    {
        var owned = OwnedVolumePaths(domain);
        if (add ? !owned.Add(path) : !owned.Remove(path))
        {
            return;
        }

        domain.SetMetadata(DomainMetadataType.Element, OwnedVolumes.Build(owned), OwnedVolumes.Prefix, OwnedVolumes.NamespaceUri, DomainModificationImpact.Config);
    }

    // ---- ISO media ----

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

    // ---- network interfaces ----

    public Task<IReadOnlyList<NetworkInterface>> ListNetworkInterfacesAsync(string guestId, CancellationToken cancellationToken) => _calls.RunAsync<IReadOnlyList<NetworkInterface>>(() =>
    {
        using var domain = FindDomain(guestId);
        return [.. DomainDescription.Parse(domain.GetXmlDesc()).Interfaces.Select(DescribeInterface)];
    }, cancellationToken);

    public Task<NetworkInterface> GetNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (nic, number) = FindInterface(domain, interfaceId);
        return DescribeInterface(nic, number);
    }, cancellationToken);

    public Task<NetworkInterface> CreateNetworkInterfaceAsync(string guestId, NicCreateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var nic = InterfaceFor(new NicSpec(request.Network, request.Mac, request.Model));
        if (DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive)).Interfaces.Any(i => i.Mac == nic.Mac))
        {
            throw new ConflictException($"The guest already has a NIC with MAC {nic.Mac}.");
        }

        ChangeDevice(domain, xml => DomainXml.WithInterface(xml, nic), impact => domain.AttachDevice(DomainXml.BuildInterface(nic), impact));
        using var refreshed = FindDomain(domain.Uuid);
        var (parsed, number) = FindInterface(refreshed, nic.Mac!);
        return DescribeInterface(parsed, number);
    }, cancellationToken);

    public Task<NetworkInterface> UpdateNetworkInterfaceAsync(string guestId, string interfaceId, NicUpdateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (nic, _) = FindInterface(domain, interfaceId);
        if (request.Network is { } network)
        {
            LibvirtNames.ValidateName("network", network);
            using var exists = Native.TryLookupNetworkByName(network) ?? throw new InvalidArgumentException($"Network '{network}' does not exist.");
        }

        if (request.RateLimitBitsPerSecond is <= 0)
        {
            throw new InvalidArgumentException("ratelimit must be a positive number of bits per second, or false to remove it.");
        }

        long? kBps = request.RateLimitBitsPerSecond is { } bits ? Math.Max(1, bits / 8192) : null;
        var current = InterfaceDefinitionOf(nic);
        var changed = (request.Network is { } newNetwork
                ? new InterfaceDefinition("network", newNetwork) { Mac = current.Mac, Model = current.Model }
                : current) with
        {
            Model = request.Model ?? current.Model,
            RateLimitKiloBytesPerSecond = request.RemoveRateLimit ? null : kBps ?? current.RateLimitKiloBytesPerSecond,
        };
        ChangeDevice(
            domain,
            xml => DomainXml.WithInterfaceChanges(xml, nic.Mac, request.Network, kBps, request.RemoveRateLimit, request.Model),
            impact => domain.UpdateDevice(DomainXml.BuildInterface(changed), impact));
        using var refreshed = FindDomain(domain.Uuid);
        var (parsed, number) = FindInterface(refreshed, nic.Mac);
        return DescribeInterface(parsed, number);
    }, cancellationToken);

    public Task DeleteNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (nic, _) = FindInterface(domain, interfaceId);
        ChangeDevice(domain, xml => DomainXml.WithoutInterface(xml, nic.Mac), impact => domain.DetachDevice(DomainXml.BuildInterface(InterfaceDefinitionOf(nic)), impact));
    }, cancellationToken);

    private static (ParsedInterface Nic, int Number) FindInterface(LibvirtDomain domain, string interfaceId)
    {
        var nics = DomainDescription.Parse(domain.GetXmlDesc()).Interfaces.ToList();
        var wanted = interfaceId.Replace('-', ':').ToLowerInvariant();
        var index = nics.FindIndex(n => string.Equals(n.Mac, wanted, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? (nics[index], index) : throw EntityNotFoundException.Of("network interface", interfaceId);
    }

    private static InterfaceDefinition InterfaceDefinitionOf(ParsedInterface nic)
        => new(nic.Network is not null ? "network" : "bridge", nic.Network ?? nic.Bridge ?? string.Empty)
        {
            Mac = nic.Mac,
            Model = nic.Model,
            OpenvSwitch = nic.VirtualPortType == "openvswitch",
            Vlan = nic.Vlan,
            RateLimitKiloBytesPerSecond = nic.InboundAverageKBps,
            PortGroup = nic.PortGroup,
        };

    private static NetworkInterface DescribeInterface(ParsedInterface nic, int number)
        => new(
            Id: nic.Mac,
            Number: number,
            Mac: nic.Mac,
            Network: nic.Network ?? nic.Bridge,
            LockingMode: nic.FilterRef is "clean-traffic" or "no-ip-spoofing" ? "locked" : "network_default",
            Ipv4Allowed: [],
            Ipv6Allowed: [],
            // libvirt counts KiB/s; the original API reads back kilobits per second.
            RateLimit: nic.InboundAverageKBps is { } kBps ? new RateLimit((kBps * 8192 / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)) : null,
            Model: nic.Model,
            Vlan: nic.Vlan);
}
