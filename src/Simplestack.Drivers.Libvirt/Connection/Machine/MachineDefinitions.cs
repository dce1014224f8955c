using Simplestack.Core;
using Simplestack.Core.Work;
using Simplestack.Drivers.Libvirt.Provisioning;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// A new machine's definition: its disks (new volumes, or overlays on an image), its CD-ROMs (an
// ISO, a NoCloud seed) and the installer it may first boot from.
public sealed partial class LibvirtMachineConnection
{
    private protected override (DomainDefinition Definition, KernelBoot? Installer) Define(GuestCreateRequest request, Uri? installLocation, NewVolumes volumes)
    {
        var definition = MachineDefinition(request, volumes);
        var installer = installLocation is null ? null : FetchInstaller(request.Name, installLocation, request.Install!.Cmdline, volumes);
        return (definition, installer);
    }

    /// <summary>Fetches the installer's kernel and initrd into volumes the guest owns.</summary>
    private KernelBoot FetchInstaller(string guestName, Uri location, string? cmdline, NewVolumes volumes)
    {
        var (kernelUri, initrdUri) = InstallFetcher.Locate(location);
        using var pool = DefaultPool();
        var kernel = InstallFetcher.FetchInto(pool, $"{guestName}-install-kernel", kernelUri, volumes.Add);
        var initrd = InstallFetcher.FetchInto(pool, $"{guestName}-install-initrd", initrdUri, volumes.Add);
        return new KernelBoot(kernel, initrd, cmdline);
    }

    /// <summary>Builds the NoCloud seed for user_data and ssh_keys and uploads it as an ISO volume the guest owns.</summary>
    private string CreateSeedVolume(GuestCreateRequest request, NewVolumes volumes)
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
            volumes.Add(path);
            VolumeUpload.Upload(volume, file, file.Length);
            return path;
        }
        finally
        {
            File.Delete(iso);
        }
    }

    private DomainDefinition MachineDefinition(GuestCreateRequest request, NewVolumes volumes)
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
            var path = CreateVolumeForDisk(request.Name, target, spec.Size, spec.StorageId, spec.Name, image, request.ImageCopy, volumes, out var format);
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
            disks.Add(new DiskDefinition(target, "ide", new FileDiskSource(CreateSeedVolume(request, volumes))) { Device = "cdrom", Format = "raw", ReadOnly = true });
        }

        return new DomainDefinition(request.Name, type, request.Memory * 1024, request.Cpus ?? 1)
        {
            Disks = disks,
            Interfaces = [.. (request.NetworkInterfaces ?? []).Select(InterfaceFor)],
            BootDevices = request.Cdrom is { Length: > 0 } && request.Image is null ? ["cdrom", "hd"] : ["hd"],
            VirtioScsiController = disks.Any(d => d.Bus == "scsi"),
            MemoryBalloon = Flavor != LibvirtFlavor.Test,
            VncConsole = _options.VncConsole,
        };
    }

    /// <summary>Creates the volume behind one disk and returns its path; records it for undo.</summary>
    private string CreateVolumeForDisk(string guestName, string target, double sizeGiB, string? storageId, string? volumeName,
        string? image, string? imageCopy, NewVolumes volumes, out string format)
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
                created = VolumeCopy.CreateFrom(pool, VolumeXml.Build(new VolumeDefinition(name, capacity, format)), name, source, WorkContext.StepReporter(2, 90, $"copying image {image}"));
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
            volumes.Add(path);
            return path;
        }
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
}
