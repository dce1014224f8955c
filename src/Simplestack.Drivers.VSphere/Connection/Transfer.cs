using System.Formats.Tar;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Ovf;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

// Export as OVA (API.md §8): the OVF descriptor first, then each disk's bytes read from the
// datastore's HTTP /folder (vcsim 0.24.2 has no ExportVm; /folder exists on ESXi and vCenter
// alike), encoded as stream-optimized VMDKs (what OVAs carry and vSphere's import reads) while they
// stream into the tar. Only a powered-off VM without snapshots is exported, and only disks whose
// data is one flat extent (the raw disk, which StreamOptimizedVmdk encodes with sizes known ahead,
// so the OVA's length is known before its first byte).
public sealed partial class VSphereConnection : IGuestTransfer
{
    private const int MaxDiskDescriptorBytes = 64 * 1024;

    private static readonly string[] ExportPaths =
    [
        "name", "runtime.powerState", "config.hardware.device", "config.hardware.numCPU", "config.hardware.memoryMB",
        "config.guestId", "config.version",
    ];

    public async Task<GuestExport> OpenExportAsync(string guestId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        var content = await _collector.RetrieveOneAsync(vm, ExportPaths, cancellationToken);
        var name = content.Text("name") ?? vm.Value;
        var state = content.Text("runtime.powerState") ?? "unknown";
        if (state != "poweredOff")
        {
            throw new ConflictException($"Guest '{name}' is {state}: power it off before exporting it, so its disks are consistent.");
        }

        var devices = GuestMapping.Devices(content.Val("config.hardware.device")).ToList();
        var stem = OvaArchive.FileStem(name);
        var controllers = new Dictionary<int, OvfController>();
        var disks = new List<(OvfDisk Disk, string FolderUrl, long RawBytes)>();
        var datacenterPaths = new Dictionary<MoRef, string>();
        foreach (var disk in devices.Where(GuestMapping.IsDisk))
        {
            var controllerKey = VmDevices.IntOf(disk, "controllerKey");
            var controller = devices.FirstOrDefault(d => VmDevices.IntOf(d, "key") == controllerKey)
                             ?? throw new HypervisorErrorException($"A disk of guest '{name}' hangs from a controller the VM does not list.");
            controllers[controllerKey] = ToOvfController(controller, name);

            var (datastore, path, datastoreRef) = DiskBacking(disk, name);
            if (!datacenterPaths.TryGetValue(datastoreRef, out var datacenterPath))
            {
                datacenterPath = datacenterPaths[datastoreRef] = await DatacenterPathAsync(datastoreRef, cancellationToken);
            }

            var extent = await FlatExtentAsync(datastore, path, datacenterPath, cancellationToken);
            var rawBytes = await FileLengthAsync(extent, cancellationToken);
            var capacity = GuestMapping.DiskBytes(disk);
            var vmdkBytes = StreamOptimizedVmdk.LengthOf(rawBytes, capacity);
            if (vmdkBytes / 512 >= uint.MaxValue)
            {
                // Grain tables hold 32-bit sector offsets: a sparse VMDK stops at 2 TiB.
                throw new FeatureNotAvailableException($"A disk of guest '{name}' is too large for a stream-optimized VMDK (2 TiB at most).");
            }

            disks.Add((new OvfDisk($"{stem}-disk{disks.Count + 1}.vmdk", vmdkBytes, capacity, OvfDescriptor.StreamOptimizedFormat, controllerKey, VmDevices.IntOf(disk, "unitNumber")), extent, rawBytes));
        }

        var system = new OvfSystem(
            name,
            content.Text("config.guestId") ?? "otherGuest64",
            content.Text("config.version") ?? "vmx-13",
            (int)content.Long("config.hardware.numCPU"),
            content.Long("config.hardware.memoryMB"),
            [.. controllers.Values.OrderBy(c => c.Key)],
            [.. disks.Select(d => d.Disk)],
            [.. devices.Where(d => d.Child("macAddress") is not null).Select(nic => ToOvfNic(nic, name))]);
        var descriptor = OvfDescriptor.Write(system);
        var length = OvaArchive.ArchiveLength([descriptor.Length, .. disks.Select(d => d.Disk.FileBytes)]);
        return new GuestExport($"{stem}.ova", length, (output, ct) => WriteOvaAsync(output, $"{stem}.ovf", descriptor, disks, ct));
    }

    private async Task WriteOvaAsync(Stream output, string descriptorName, byte[] descriptor, List<(OvfDisk Disk, string FolderUrl, long RawBytes)> disks, CancellationToken cancellationToken)
    {
        await using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
        await tar.WriteEntryAsync(OvaArchive.Entry(descriptorName, new MemoryStream(descriptor)), cancellationToken);
        foreach (var (disk, url, rawBytes) in disks)
        {
            using var response = await _session.Files.SendFileRequestAsync(HttpMethod.Get, url, null, null, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentLength != rawBytes)
            {
                // The archive has begun: all that can be done is to cut it short, which the caller sees.
                throw new HypervisorErrorException($"The vSphere server answered the read of disk '{disk.FileName}' with HTTP {(int)response.StatusCode} and {response.Content.Headers.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} length where {rawBytes} bytes were announced.");
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var vmdk = new StreamOptimizedVmdk(new KnownLengthStream(body, rawBytes), rawBytes, disk.CapacityBytes, disk.FileName);
            await tar.WriteEntryAsync(OvaArchive.Entry(disk.FileName, vmdk), cancellationToken);
        }
    }

    /// <summary>A disk's datastore, its path there and the datastore's reference; a disk that is not one flat file of its own is not exported yet.</summary>
    private static (string Datastore, string Path, MoRef DatastoreRef) DiskBacking(XElement disk, string vmName)
    {
        var backing = disk.Child("backing");
        if (backing?.XsiType() != "VirtualDiskFlatVer2BackingInfo")
        {
            throw new FeatureNotImplementedException($"A disk of guest '{vmName}' is a {backing?.XsiType() ?? "disk without backing"}: the vmware driver exports flat disks only, so far.");
        }

        if (backing.Child("parent") is not null)
        {
            throw new ConflictException($"Guest '{vmName}' has snapshots (its disks are delta chains): remove them before exporting it.");
        }

        var match = DatastorePath().Match(backing.ChildValue("fileName") ?? "");
        if (!match.Success || backing.Child("datastore") is not { } datastoreRef)
        {
            throw new HypervisorErrorException($"A disk of guest '{vmName}' has no datastore path the vmware driver can read.");
        }

        return (match.Groups["datastore"].Value, match.Groups["path"].Value, MoRef.From(datastoreRef));
    }

    /// <summary>
    /// The /folder URL of a disk's data: the flat extent its descriptor names (<c>RW n VMFS|FLAT "x-flat.vmdk"</c>),
    /// or <c>x-flat.vmdk</c> beside an empty descriptor, as vcsim writes them.
    /// </summary>
    private async Task<string> FlatExtentAsync(string datastore, string descriptorPath, string datacenterPath, CancellationToken cancellationToken)
    {
        var folder = descriptorPath.Contains('/', StringComparison.Ordinal) ? descriptorPath[..(descriptorPath.LastIndexOf('/') + 1)] : "";
        using var response = await _session.Files.SendFileRequestAsync(HttpMethod.Get, FolderUrl(datastore, descriptorPath, datacenterPath), null, null, cancellationToken);
        ThrowUnlessOk(response, descriptorPath);
        if (response.Content.Headers.ContentLength is > MaxDiskDescriptorBytes)
        {
            throw new FeatureNotImplementedException($"The disk '{descriptorPath}' is a binary VMDK (sparse or stream-optimized), which the vmware driver does not export yet.");
        }

        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        if (text.Length == 0)
        {
            return FolderUrl(datastore, descriptorPath[..^".vmdk".Length] + "-flat.vmdk", datacenterPath);
        }

        var extents = ExtentLine().Matches(text);
        var createType = CreateTypeLine().Match(text) is { Success: true } type ? type.Groups["type"].Value : "unknown";
        if (extents.Count != 1 || extents[0].Groups["kind"].Value is not ("FLAT" or "VMFS") || extents[0].Groups["offset"].Value is not ("" or "0"))
        {
            throw new FeatureNotImplementedException($"The disk '{descriptorPath}' is a VMDK of type '{createType}'; the vmware driver exports disks whose data is one flat extent only, so far.");
        }

        var extent = extents[0].Groups["file"].Value;
        if (extent.Contains('/', StringComparison.Ordinal) || extent is "." or "..")
        {
            throw new FeatureNotImplementedException($"The disk '{descriptorPath}' keeps its data in another folder, which the vmware driver does not export.");
        }

        return FolderUrl(datastore, folder + extent, datacenterPath);
    }

    /// <summary>
    /// A datastore file's length: the Content-Length of a HEAD of its /folder URL, or of a GET whose
    /// body is left unread where HEAD is not answered.
    /// </summary>
    private async Task<long> FileLengthAsync(string url, CancellationToken cancellationToken)
    {
        foreach (var method in new[] { HttpMethod.Head, HttpMethod.Get })
        {
            using var response = await _session.Files.SendFileRequestAsync(method, url, null, null, cancellationToken);
            if (method == HttpMethod.Head && response.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
            {
                continue;
            }

            ThrowUnlessOk(response, url);
            if (response.Content.Headers.ContentLength is { } length)
            {
                return length;
            }
        }

        throw new HypervisorErrorException("The vSphere server did not say how long a disk file is (no Content-Length), so the OVA cannot be written.");
    }

    private static void ThrowUnlessOk(HttpResponseMessage response, string what)
    {
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return;
        }

        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound => new EntityNotFoundException($"The datastore has no file '{what}' (HTTP 404)."),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new HypervisorErrorException($"The vSphere server refused this session the datastore file '{what}' (HTTP {(int)response.StatusCode})."),
            _ => new HypervisorErrorException($"The vSphere server answered the read of datastore file '{what}' with HTTP {(int)response.StatusCode}."),
        };
    }

    /// <summary>
    /// The inventory path of the datacenter a datastore belongs to (<c>DC0</c>, or <c>folder/DC0</c>),
    /// as /folder's <c>dcPath</c> wants it: parents walked up to the datacenter, then to the root folder.
    /// </summary>
    private async Task<string> DatacenterPathAsync(MoRef datastore, CancellationToken cancellationToken)
    {
        var current = datastore;
        while (current.Type != "Datacenter")
        {
            var parent = (await _collector.RetrieveOneAsync(current, ["parent"], cancellationToken)).Val("parent")
                         ?? throw new HypervisorErrorException("A datastore of the guest is in no datacenter.");
            current = MoRef.From(parent);
        }

        var names = new List<string>();
        while (true)
        {
            var content = await _collector.RetrieveOneAsync(current, ["name", "parent"], cancellationToken);
            if (content.Val("parent") is not { } parent)
            {
                break; // The root folder is not part of the path.
            }

            names.Insert(0, content.Text("name") ?? "");
            current = MoRef.From(parent);
        }

        return string.Join('/', names);
    }

    private static string FolderUrl(string datastore, string path, string datacenterPath)
        => $"/folder/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}?dcPath={Uri.EscapeDataString(datacenterPath)}&dsName={Uri.EscapeDataString(datastore)}";

    private static OvfController ToOvfController(XElement controller, string vmName)
    {
        var bus = VmDevices.IntOf(controller, "busNumber");
        var key = VmDevices.IntOf(controller, "key");
        return controller.XsiType() switch
        {
            "VirtualIDEController" => new OvfController(key, true, "", bus),
            "ParaVirtualSCSIController" => new OvfController(key, false, "VirtualSCSI", bus),
            "VirtualLsiLogicController" => new OvfController(key, false, "lsilogic", bus),
            "VirtualLsiLogicSASController" => new OvfController(key, false, "lsilogicsas", bus),
            "VirtualBusLogicController" => new OvfController(key, false, "buslogic", bus),
            var other => throw new FeatureNotImplementedException($"A disk of guest '{vmName}' hangs from a {other}, which the vmware driver does not export yet."),
        };
    }

    private static OvfNic ToOvfNic(XElement nic, string vmName)
    {
        var backing = nic.Child("backing");
        if (backing?.XsiType() != "VirtualEthernetCardNetworkBackingInfo" || backing.ChildValue("deviceName") is not { Length: > 0 } network)
        {
            throw new FeatureNotImplementedException($"A NIC of guest '{vmName}' is not on a standard port group: the vmware driver exports those only, so far.");
        }

        var subType = nic.XsiType() switch
        {
            "VirtualVmxnet3" => "VmxNet3",
            "VirtualVmxnet2" => "VmxNet2",
            "VirtualE1000" => "E1000",
            "VirtualE1000e" => "E1000e",
            "VirtualPCNet32" => "PCNet32",
            var other => other ?? "E1000",
        };
        return new OvfNic(network, subType);
    }

    // "[LocalDS_0] vm/vm.vmdk"
    [GeneratedRegex(@"^\[(?<datastore>[^\]]+)\] ?(?<path>[^\[\]]+\.vmdk)$")]
    private static partial Regex DatastorePath();

    // RW 2097152 VMFS "vm-flat.vmdk" [offset]
    [GeneratedRegex("""^(?:RW|RDONLY|NOACCESS)\s+\d+\s+(?<kind>[A-Z]+)\s+"(?<file>[^"]+)"(?:\s+(?<offset>\d+))?\s*$""", RegexOptions.Multiline)]
    private static partial Regex ExtentLine();

    [GeneratedRegex("""^createType\s*=\s*"(?<type>[^"]*)"\s*$""", RegexOptions.Multiline)]
    private static partial Regex CreateTypeLine();
}
