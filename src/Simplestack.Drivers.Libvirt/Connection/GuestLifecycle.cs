using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Metadata;
using Simplestack.Drivers.Libvirt.Provisioning;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Create, update and delete (API.md §3-4). Multi-step operations record what they made and undo
// it when a later step fails, so a failed create leaves no domain and no volume behind.
public sealed partial class LibvirtHypervisorConnection
{
    private const long MaxDiskBytes = 64L * 1024 * 1024 * 1024 * 1024;

    public Task<Guest> CreateGuestAsync(GuestCreateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        LibvirtNames.ValidateName("guest", request.Name);
        if (request.Memory <= 0)
        {
            throw new InvalidArgumentException("memory must be a positive number of MiB.");
        }

        // Checked before anything is made: the location is a URL the gateway itself will fetch.
        var installLocation = request.Install is { } install
            ? InstallLocations.Validate(install.Location, _options.InstallLocationPrefixes)
            : null;

        using (var existing = Native.TryLookupDomainByName(request.Name))
        {
            if (existing is not null)
            {
                throw new ConflictException($"A guest named '{request.Name}' already exists.");
            }
        }

        var undo = new UndoLog();
        try
        {
            var definition = Flavor == LibvirtFlavor.Lxc ? LxcDefinition(request) : MachineDefinition(request, undo);
            var installer = installLocation is null ? null : FetchInstaller(request.Name, installLocation, request.Install!.Cmdline, undo);
            using var domain = Native.DefineDomain(DomainXml.Build(definition));
            var uuid = domain.Uuid;
            undo.Add(() =>
            {
                using var defined = Native.TryLookupDomainByUuid(uuid);
                if (defined is not null)
                {
                    if (defined.IsActive)
                    {
                        defined.Destroy();
                    }

                    defined.Undefine(UndefineFlags);
                }
            });
            if (undo.CreatedVolumePaths.Count > 0)
            {
                domain.SetMetadata(DomainMetadataType.Element, OwnedVolumes.Build(undo.CreatedVolumePaths), OwnedVolumes.Prefix, OwnedVolumes.NamespaceUri, DomainModificationImpact.Config);
            }

            if (installer is not null)
            {
                // The installer runs once from its kernel with on_reboot=destroy; the persistent
                // definition boots from disk, so after the installer reboots, a start boots the
                // installed system (as virt-install does).
                Native.CreateTransientDomain(DomainXml.Build(definition with { Uuid = Guid.Parse(uuid), Kernel = installer, OnReboot = "destroy" })).Dispose();
            }
            else if (request.Start)
            {
                domain.Start();
            }

            var guest = DescribeGuest(domain, stats: null, cachedAddressesOnly: false);
            undo.Commit();
            return guest;
        }
        catch
        {
            undo.Rollback();
            throw;
        }
    }, cancellationToken);

    /// <summary>Records a volume this operation made: the guest will own it, and a failure deletes it.</summary>
    private void RecordNewVolume(UndoLog undo, string path) => undo.AddVolume(path, () =>
    {
        using var volume = Native.TryLookupStorageVolumeByPath(path);
        volume?.Delete();
    });

    /// <summary>Fetches the installer's kernel and initrd into volumes the guest owns.</summary>
    private KernelBoot FetchInstaller(string guestName, Uri location, string? cmdline, UndoLog undo)
    {
        var (kernelUri, initrdUri) = InstallFetcher.Locate(location);
        using var pool = DefaultPool();
        void Created(string path) => RecordNewVolume(undo, path);
        var kernel = InstallFetcher.FetchInto(pool, $"{guestName}-install-kernel", kernelUri, Created);
        var initrd = InstallFetcher.FetchInto(pool, $"{guestName}-install-initrd", initrdUri, Created);
        return new KernelBoot(kernel, initrd, cmdline);
    }

    /// <summary>Builds the NoCloud seed for user_data and ssh_keys and uploads it as an ISO volume the guest owns.</summary>
    private string CreateSeedVolume(GuestCreateRequest request, UndoLog undo)
    {
        var (userData, metaData) = NoCloudSeed.Files(Guid.NewGuid().ToString(), request.Name, request.UserData, request.SshKeys ?? []);
        var iso = NoCloudSeed.BuildIso(userData, metaData);
        try
        {
            using var pool = DefaultPool();
            var name = $"{request.Name}-seed.iso";
            LibvirtNames.ValidateName("volume", name);
            using var file = File.OpenRead(iso);
            using var volume = pool.CreateVolume(VolumeXml.Build(new VolumeDefinition(name, file.Length, "raw")));
            var path = volume.Path;
            RecordNewVolume(undo, path);
            VolumeUpload.Upload(volume, file, file.Length);
            return path;
        }
        finally
        {
            File.Delete(iso);
        }
    }

    private DomainDefinition MachineDefinition(GuestCreateRequest request, UndoLog undo)
    {
        var type = Flavor == LibvirtFlavor.Test ? "test" : (request.DomainType ?? _options.DefaultDomainType);
        if (type is not ("kvm" or "qemu" or "test"))
        {
            throw new InvalidArgumentException($"domain_type must be 'kvm' or 'qemu', not '{type}'.");
        }

        if (request.Rootfs is not null || request.Init is not null)
        {
            throw new InvalidArgumentException("rootfs and init apply to LXC guests only.");
        }

        var disks = new List<DiskDefinition>();
        var specs = request.Disks ?? [];
        if (request.Image is not null && specs.Count == 0)
        {
            specs = [new DiskSpec(Size: 0)];
        }

        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var bus = NormaliseBus(spec.Bus);
            var target = DiskTargets.Next(bus, disks.Select(d => d.Target));
            var image = i == 0 ? request.Image : null;
            var path = CreateVolumeForDisk(request.Name, target, spec.Size, spec.StorageId, spec.Name, image, request.ImageCopy, undo, out var format);
            disks.Add(new DiskDefinition(target, bus, new FileDiskSource(path)) { Format = format });
        }

        if (request.Cdrom is { Length: > 0 } iso)
        {
            var target = DiskTargets.Next("ide", disks.Select(d => d.Target).Append("hda").Append("hdb"));
            disks.Add(new DiskDefinition(target, "ide", new FileDiskSource(ResolveIso(iso))) { Device = "cdrom", Format = "raw", ReadOnly = true });
        }

        if (request.UserData is not null || request.SshKeys is { Count: > 0 })
        {
            var target = DiskTargets.Next("ide", disks.Select(d => d.Target).Append("hda").Append("hdb"));
            disks.Add(new DiskDefinition(target, "ide", new FileDiskSource(CreateSeedVolume(request, undo))) { Device = "cdrom", Format = "raw", ReadOnly = true });
        }

        return new DomainDefinition(request.Name, type, request.Memory * 1024, request.Cpus ?? 1)
        {
            Disks = disks,
            Interfaces = [.. (request.NetworkInterfaces ?? []).Select(InterfaceFor)],
            BootDevices = request.Cdrom is { Length: > 0 } && request.Image is null ? ["cdrom", "hd"] : ["hd"],
            VirtioScsiController = disks.Any(d => d.Bus == "scsi"),
            MemoryBalloon = Flavor != LibvirtFlavor.Test,
        };
    }

    private DomainDefinition LxcDefinition(GuestCreateRequest request)
    {
        if (request.Disks is { Count: > 0 } || request.Image is not null || request.Cdrom is not null || request.Install is not null
            || request.UserData is not null || request.SshKeys is { Count: > 0 })
        {
            throw new InvalidArgumentException("LXC guests take rootfs and init, not disks, image, cdrom, install, user_data or ssh_keys.");
        }

        var filesystems = new List<FilesystemDefinition>();
        if (request.Rootfs is { } rootfs)
        {
            filesystems.Add(new FilesystemDefinition(PathRules.InsideAllowed(rootfs, _options.RootfsDirectories, "rootfs"), "/"));
        }

        return new DomainDefinition(request.Name, "lxc", request.Memory * 1024, request.Cpus ?? 1)
        {
            OsType = "exe",
            Init = request.Init ?? "/sbin/init",
            Filesystems = filesystems,
            Interfaces = [.. (request.NetworkInterfaces ?? []).Select(InterfaceFor)],
            MemoryBalloon = false,
            Acpi = false,
        };
    }

    private InterfaceDefinition InterfaceFor(NicSpec nic)
    {
        LibvirtNames.ValidateName("network", nic.Network);
        using var network = Native.TryLookupNetworkByName(nic.Network)
            ?? throw new InvalidArgumentException($"Network '{nic.Network}' does not exist.");
        return new InterfaceDefinition("network", nic.Network)
        {
            Mac = nic.Mac is null ? MacAddresses.Generate() : MacAddresses.Normalise(nic.Mac),
            Model = nic.Model ?? (Flavor == LibvirtFlavor.Lxc ? null : "virtio"),
        };
    }

    /// <summary>Creates the volume behind one disk and returns its path; records it for undo.</summary>
    private string CreateVolumeForDisk(string guestName, string target, double sizeGiB, string? storageId, string? volumeName,
        string? image, string? imageCopy, UndoLog undo, out string format)
    {
        var requestedBytes = ToBytes(sizeGiB, allowZero: image is not null);
        using var pool = storageId is null ? DefaultPool() : FindPool(storageId);
        format = PoolFormat(pool);
        var name = volumeName ?? $"{guestName}-{target}{(format == "qcow2" ? ".qcow2" : ".img")}";
        LibvirtNames.ValidateName("volume", name);
        using (var taken = pool.TryLookupVolumeByName(name))
        {
            if (taken is not null)
            {
                throw new ConflictException($"Storage '{pool.Name}' already has a volume named '{name}'.");
            }
        }

        LibvirtStorageVolume created;
        if (image is not null)
        {
            using var source = FindVolumeByName(image, ImagePools)
                ?? throw new InvalidArgumentException($"Image '{image}' does not exist.");
            var sourceInfo = source.GetInfo();
            var capacity = Math.Max(requestedBytes, (long)sourceInfo.Capacity);
            // libvirt calls an ISO volume's format "iso"; to QEMU its bytes are raw.
            var sourceFormat = VolumeDescription.Parse(source.GetXmlDesc()).Format is "qcow2" ? "qcow2" : "raw";
            if (imageCopy is "full")
            {
                created = pool.CreateVolumeFrom(VolumeXml.Build(new VolumeDefinition(name, capacity, format)), source);
            }
            else if (imageCopy is null or "overlay")
            {
                format = "qcow2";
                created = pool.CreateVolume(VolumeXml.Build(new VolumeDefinition(name, capacity, "qcow2") { BackingPath = source.Path, BackingFormat = sourceFormat }));
            }
            else
            {
                throw new InvalidArgumentException("image_copy must be 'overlay' or 'full'.");
            }
        }
        else
        {
            created = pool.CreateVolume(VolumeXml.Build(new VolumeDefinition(name, requestedBytes, format)));
        }

        using (created)
        {
            var path = created.Path;
            RecordNewVolume(undo, path);
            return path;
        }
    }

    private static string PoolFormat(LibvirtStoragePool pool)
        => StoragePoolDescription.Parse(pool.GetXmlDesc()).Type is "dir" or "fs" or "netfs" or "gluster" ? "qcow2" : "raw";

    private static long ToBytes(double sizeGiB, bool allowZero = false)
    {
        if (double.IsNaN(sizeGiB) || sizeGiB < 0 || (!allowZero && sizeGiB == 0) || sizeGiB * BytesPerGiB > MaxDiskBytes)
        {
            throw new InvalidArgumentException($"A disk size must be more than 0 and at most {MaxDiskBytes / BytesPerGiB} GiB.");
        }

        return (long)Math.Ceiling(sizeGiB * BytesPerGiB);
    }

    private static string NormaliseBus(string? bus) => bus switch
    {
        null or "virtio" => "virtio",
        "scsi" or "sata" or "ide" or "usb" => bus,
        _ => throw new InvalidArgumentException($"bus must be virtio, scsi, sata, ide or usb, not '{bus}'."),
    };

    /// <summary>An ISO by storage volume name, or by a path inside the configured ISO folders.</summary>
    private string ResolveIso(string name)
    {
        if (name.StartsWith('/'))
        {
            return PathRules.InsideAllowed(name, _options.IsoDirectories, "ISO path");
        }

        LibvirtNames.ValidateName("ISO", name);
        using var volume = FindVolumeByName(name, poolNames: null)
            ?? throw new InvalidArgumentException($"ISO '{name}' is not a volume of any storage pool.");
        return volume.Path;
    }

    public Task<Guest> UpdateGuestAsync(string guestId, GuestUpdateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var applied = new Dictionary<string, string>();
        var active = domain.IsActive;

        if (request.Cpus is { } cpus)
        {
            if (cpus < 1)
            {
                throw new InvalidArgumentException("cpus must be at least 1.");
            }

            applied["cpus"] = ChangeLiveOrConfig(
                active,
                raiseMaximum: () =>
                {
                    if (cpus > DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive)).MaxVcpus)
                    {
                        domain.SetMaxVcpus((uint)cpus, DomainModificationImpact.Config);
                    }
                },
                apply: impact => domain.SetVcpus((uint)cpus, impact));
        }

        if (request.Memory is { } memory)
        {
            if (memory <= 0)
            {
                throw new InvalidArgumentException("memory must be a positive number of MiB.");
            }

            var kib = (ulong)memory * 1024;
            applied["memory"] = ChangeLiveOrConfig(
                active,
                raiseMaximum: () =>
                {
                    if ((long)kib > DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive)).MemoryKiB)
                    {
                        domain.SetMaxMemory(kib, DomainModificationImpact.Config);
                    }
                },
                apply: impact => domain.SetMemory(kib, impact));
        }

        if (request.Hdd is { } hdd)
        {
            applied["hdd"] = GrowLastDisk(domain, ToBytes(hdd));
        }

        if (request.Name is { } name && name != domain.Name)
        {
            LibvirtNames.ValidateName("guest", name);
            if (active)
            {
                throw new ConflictException("A running guest cannot be renamed; stop it first.");
            }

            using (var taken = Native.TryLookupDomainByName(name))
            {
                if (taken is not null)
                {
                    throw new ConflictException($"A guest named '{name}' already exists.");
                }
            }

            domain.Rename(name);
            applied["name"] = Applied.Live;
        }

        return DescribeGuest(domain, stats: null, cachedAddressesOnly: false) with { Applied = applied };
    }, cancellationToken);

    /// <summary>
    /// Applies a change to the running guest and its definition when the hypervisor allows it
    /// live; otherwise (or when the guest is stopped) to the definition only, for the next boot.
    /// </summary>
    private static string ChangeLiveOrConfig(bool active, Action raiseMaximum, Action<DomainModificationImpact> apply)
    {
        if (active && TryApply(apply, DomainModificationImpact.Live | DomainModificationImpact.Config))
        {
            return Applied.Live;
        }

        // Some drivers (the test driver) take live and config changes only one at a time.
        if (active && TryApply(apply, DomainModificationImpact.Live))
        {
            raiseMaximum();
            apply(DomainModificationImpact.Config);
            return Applied.Live;
        }

        // Beyond what the running guest can take (above its maximum, no hot-plug), or stopped: next boot.
        raiseMaximum();
        apply(DomainModificationImpact.Config);
        return Applied.NextBoot;
    }

    private static bool TryApply(Action<DomainModificationImpact> apply, DomainModificationImpact impact)
    {
        try
        {
            apply(impact);
            return true;
        }
        catch (LibvirtException error) when (error.Code is LibvirtErrorCode.NoSupport or LibvirtErrorCode.OperationInvalid
                                                 or LibvirtErrorCode.InvalidArg or LibvirtErrorCode.OperationFailed
                                                 or LibvirtErrorCode.ConfigUnsupported or LibvirtErrorCode.ArgumentUnsupported)
        {
            return false;
        }
    }

    /// <summary>The original's hdd semantics: the last disk grows so the disks total the wanted size.</summary>
    private string GrowLastDisk(LibvirtDomain domain, long wantedTotalBytes)
    {
        var disks = DomainDescription.Parse(domain.GetXmlDesc()).Disks.Where(d => d.Device == "disk").ToList();
        if (disks.Count == 0)
        {
            throw new ConflictException("The guest has no disk to grow.");
        }

        var sizes = disks.Select(d => DiskCapacityBytes(domain, d)).ToList();
        var growth = wantedTotalBytes - sizes.Sum();
        if (growth < 0)
        {
            throw new ConflictException("Disks can only grow: hdd is smaller than the guest's disks already are.");
        }

        if (growth == 0)
        {
            return Applied.Live;
        }

        return ResizeDisk(domain, disks[^1], sizes[^1] + growth);
    }

    public Task DeleteGuestAsync(string guestId, GuestDeleteOptions options, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var uuid = domain.Uuid;
        var owned = options.KeepDisks ? [] : OwnedVolumes.Parse(domain.GetMetadata(DomainMetadataType.Element, OwnedVolumes.NamespaceUri, DomainModificationImpact.Config));
        if (domain.IsActive)
        {
            domain.Destroy();
        }

        DeleteAllSnapshots(domain);
        if (domain.IsPersistent)
        {
            domain.Undefine(UndefineFlags);
        }

        foreach (var path in owned)
        {
            using var volume = Native.TryLookupStorageVolumeByPath(path);
            volume?.Delete();
        }

        _addresses.Forget(uuid);
        GuestTouched(uuid);
    }, cancellationToken);

    /// <summary>Deletes snapshots leaves first, so that no snapshot's data outlives its guest.</summary>
    private static void DeleteAllSnapshots(LibvirtDomain domain)
    {
        for (var round = 0; round < 1000; round++)
        {
            IReadOnlyList<LibvirtDomainSnapshot> snapshots;
            try
            {
                snapshots = domain.ListAllSnapshots(SnapshotListLeaves);
            }
            catch (LibvirtException error) when (error.Code == LibvirtErrorCode.NoSupport)
            {
                return; // A driver without snapshots (LXC) has none to delete.
            }

            if (snapshots.Count == 0)
            {
                return;
            }

            foreach (var snapshot in snapshots)
            {
                using (snapshot)
                {
                    snapshot.Delete();
                }
            }
        }
    }

    /// <summary>Undefine everything libvirt keeps beside the definition (NVRAM only where the driver has it).</summary>
    private DomainUndefineFlags UndefineFlags => Flavor switch
    {
        LibvirtFlavor.Qemu => DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram,
        LibvirtFlavor.Test => DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata,
        _ => DomainUndefineFlags.None, // LXC takes no undefine flags.
    };

    /// <summary>VIR_DOMAIN_SNAPSHOT_LIST_LEAVES.</summary>
    private const uint SnapshotListLeaves = 4;
}
