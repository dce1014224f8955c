using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Drivers.Libvirt.Metadata;
using Simplestack.Drivers.Libvirt.Provisioning;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Create, update and delete (API.md §3-4). Multi-step operations record what they made and undo
// it when a later step fails, so a failed create leaves no domain and no volume behind.
public abstract partial class LibvirtHypervisorConnection
{
    private const long MaxDiskBytes = 64L * 1024 * 1024 * 1024 * 1024;

    public Task<Guest> CreateGuestAsync(GuestCreateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        request.Validate();
        LibvirtNames.ValidateName("guest", request.Name);
        if (request.Placement is not null)
        {
            throw new FeatureNotAvailableException("placement (datacenter, cluster, resource pool, folder) is vSphere's: a libvirt guest is made on the host addressed.");
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

        using var undo = NewUndo();
        var volumes = new NewVolumes(undo, Native);
        WorkContext.Report(2, "making disks");
        var (definition, installer) = Define(request, installLocation, volumes);
        WorkContext.Report(90, "defining");
        using var domain = Native.DefineDomain(StampedForDefine(DomainXml.Build(definition)));
        var uuid = domain.Uuid;
        undo.Add($"guest {request.Name}", () =>
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
        if (volumes.Paths.Count > 0)
        {
            domain.SetMetadata(DomainMetadataType.Element, OwnedVolumes.Build(volumes.Paths), OwnedVolumes.Prefix, OwnedVolumes.NamespaceUri, DomainModificationImpact.Config);
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
            WorkContext.Report(95, "starting");
            domain.Start();
        }

        var guest = RecordGuest(domain);
        undo.Commit();
        return guest;
    }, cancellationToken);

    /// <summary>
    /// The definition of a new guest, and the installer kernel it first boots from when the
    /// request has an install location (already checked against the allowed prefixes). Volumes
    /// made on the way are recorded in <paramref name="volumes"/>.
    /// </summary>
    private protected abstract (DomainDefinition Definition, KernelBoot? Installer) Define(GuestCreateRequest request, Uri? installLocation, NewVolumes volumes);

    /// <summary>A reverter for one multi-step operation: undoes what it made unless committed, logging any undo that fails.</summary>
    private protected Reverter NewUndo() => new(_logger);

    private protected InterfaceDefinition InterfaceFor(NicSpec nic)
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

    private protected static string PoolFormat(LibvirtStoragePool pool)
        => StoragePoolDescription.Parse(pool.GetXmlDesc()).Type is "dir" or "fs" or "netfs" or "gluster" ? "qcow2" : "raw";

    private protected static long ToBytes(double sizeGiB, bool allowZero = false)
    {
        if (double.IsNaN(sizeGiB) || sizeGiB < 0 || (!allowZero && sizeGiB == 0) || sizeGiB * BytesPerGiB > MaxDiskBytes)
        {
            throw new InvalidArgumentException($"A disk size must be more than 0 and at most {MaxDiskBytes / BytesPerGiB} GiB.");
        }

        return (long)Math.Ceiling(sizeGiB * BytesPerGiB);
    }

    /// <summary>Grows one disk: live with block_resize on a running guest, else its volume.</summary>
    private protected string ResizeDisk(LibvirtDomain domain, ParsedDisk disk, long bytes)
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
    private protected DomainUndefineFlags UndefineFlags => Flavor switch
    {
        LibvirtFlavor.Qemu => DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram,
        LibvirtFlavor.Test => DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata,
        _ => DomainUndefineFlags.None, // LXC takes no undefine flags.
    };

    /// <summary>VIR_DOMAIN_SNAPSHOT_LIST_LEAVES.</summary>
    private const uint SnapshotListLeaves = 4;
}
