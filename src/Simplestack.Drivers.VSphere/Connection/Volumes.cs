using System.Globalization;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// Volumes (API.md §6) are a datastore's disk files (.vmdk descriptors, not their -flat, -delta,
// -ctk or -sesparse extents) and ISOs, found by the datastore browser's
// SearchDatastoreSubFolders_Task. A volume's id is its path inside the datastore with each '/'
// written ':' (`simplestack-volumes:data.vmdk`), which passes in one URL segment; its name is the
// file name (a disk's without ".vmdk"), accepted where unique. New volumes are thin disks in the
// datastore's `simplestack-volumes/` folder. A volume any VM's disk or CD-ROM uses (a template's
// or a snapshot's parent disk included) is in use: deleting it is 409.
public sealed partial class VSphereConnection : IVolumeManagement
{
    /// <summary>The folder new volumes are made in, on every datastore.</summary>
    internal const string VolumeFolder = "simplestack-volumes";

    private static readonly string[] ExtentSuffixes = ["-flat.vmdk", "-delta.vmdk", "-ctk.vmdk", "-sesparse.vmdk"];

    public async Task<IReadOnlyList<Volume>> ListVolumesAsync(string storageId, CancellationToken cancellationToken)
    {
        var datastore = await FindDatastoreAsync(storageId, cancellationToken);
        return [.. (await SearchVolumesAsync(datastore, "*", cancellationToken)).Select(v => v.Volume).OrderBy(v => v.Id, StringComparer.Ordinal)];
    }

    public async Task<Volume> GetVolumeAsync(string storageId, string volumeId, CancellationToken cancellationToken)
        => (await FindVolumeAsync(storageId, volumeId, cancellationToken)).Volume;

    /// <summary>A thin disk of <c>size</c> GiB (<c>VirtualDiskManager.CreateVirtualDisk_Task</c>); a name taken in the datastore is 409.</summary>
    public async Task<Volume> CreateVolumeAsync(string storageId, VolumeCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.Format is not null and not "vmdk")
        {
            throw new FeatureNotAvailableException($"vSphere volumes are vmdk disks: format '{request.Format}' cannot be made on vmware.");
        }

        CheckFileName(request.Name, "A volume name");
        var datastore = await FindDatastoreAsync(storageId, cancellationToken);
        var fileName = request.Name.EndsWith(".vmdk", StringComparison.Ordinal) ? request.Name : request.Name + ".vmdk";
        var name = VolumeName(fileName);
        if ((await SearchVolumesAsync(datastore, "*", cancellationToken)).Any(v => v.Volume.Name == name || v.Volume.Path == Path(datastore, $"{VolumeFolder}/{fileName}")))
        {
            throw new ConflictException($"Datastore '{datastore.Name}' already has a volume named '{name}'.");
        }

        var managers = (await _session.CallAsync("RetrieveServiceContent", ServiceInstance, cancellationToken)).Child("returnval")!;
        try
        {
            await _session.CallAsync("MakeDirectory", MoRef.From(managers.Child("fileManager")!), cancellationToken,
                E("name", $"[{datastore.Name}] {VolumeFolder}"), Ref("datacenter", datastore.Datacenter), E("createParentDirectories", "true"));
        }
        catch (ConflictException)
        {
            // FileAlreadyExists: the folder is there from an earlier volume.
        }

        var capacityKiB = (long)Math.Ceiling(request.Size * KiBPerGiB);
        var path = Path(datastore, $"{VolumeFolder}/{fileName}");
        await RunTaskAsync("CreateVirtualDisk_Task", MoRef.From(managers.Child("virtualDiskManager")!), cancellationToken,
            E("name", path), Ref("datacenter", datastore.Datacenter),
            Typed("spec", "FileBackedVirtualDiskSpec", E("diskType", "thin"), E("adapterType", "lsiLogic"), E("capacityKb", capacityKiB.ToString(CultureInfo.InvariantCulture))));

        var created = (await SearchVolumesAsync(datastore, "*", cancellationToken)).FirstOrDefault(v => v.Volume.Path == path)?.Volume
                      ?? throw new HypervisorErrorException($"The vSphere server made the disk {path} but its datastore browser does not show it.");
        // A server whose browser reports no capacity (vcsim) still made the disk of the size asked.
        return created.SizeBytes > 0 ? created : created with { SizeBytes = capacityKiB * 1024, Size = Math.Round(capacityKiB / KiBPerGiB, 2) };
    }

    /// <summary><c>DeleteVirtualDisk_Task</c> for a disk (descriptor and extents), <c>DeleteDatastoreFile_Task</c> for an ISO; 409 while a VM uses it.</summary>
    public async Task DeleteVolumeAsync(string storageId, string volumeId, CancellationToken cancellationToken)
    {
        var found = await FindVolumeAsync(storageId, volumeId, cancellationToken);
        if (found.Volume.UsedBy.Count > 0)
        {
            throw new ConflictException($"Volume '{found.Volume.Name}' is in use by {string.Join(", ", found.Volume.UsedBy)}.");
        }

        var managers = (await _session.CallAsync("RetrieveServiceContent", ServiceInstance, cancellationToken)).Child("returnval")!;
        var (method, manager) = found.Iso ? ("DeleteDatastoreFile_Task", "fileManager") : ("DeleteVirtualDisk_Task", "virtualDiskManager");
        await RunTaskAsync(method, MoRef.From(managers.Child(manager)!), cancellationToken, E("name", found.Volume.Path), Ref("datacenter", found.Datastore.Datacenter));
    }

    /// <summary>A volume by id, name (where unique in the datastore: else 409) or datastore path; 404 when none.</summary>
    private async Task<FoundVolume> FindVolumeAsync(string storageId, string volumeId, CancellationToken cancellationToken)
    {
        var datastore = await FindDatastoreAsync(storageId, cancellationToken);
        var volumes = await SearchVolumesAsync(datastore, "*", cancellationToken);
        if (volumes.FirstOrDefault(v => v.Volume.Id == volumeId || v.Volume.Path == volumeId) is { } exact)
        {
            return exact;
        }

        var named = volumes.Where(v => v.Volume.Name == volumeId).ToList();
        return named.Count switch
        {
            1 => named[0],
            0 => throw EntityNotFoundException.Of("Volume", volumeId),
            _ => throw new ConflictException($"{named.Count} volumes are named '{volumeId}' on datastore '{datastore.Name}': name one by its id."),
        };
    }

    /// <summary>A datastore by managed object id or name, with its browser and datacenter; 404 when none.</summary>
    private async Task<DatastoreRef> FindDatastoreAsync(string storageId, CancellationToken cancellationToken)
    {
        var datastores = await AllDatastoresAsync(cancellationToken);
        return datastores.FirstOrDefault(d => d.Obj.Value == storageId) ?? datastores.FirstOrDefault(d => d.Name == storageId)
               ?? throw EntityNotFoundException.Of("Storage", storageId);
    }

    /// <summary>Every datastore in a datacenter, by name.</summary>
    private async Task<List<DatastoreRef>> AllDatastoresAsync(CancellationToken cancellationToken)
    {
        var inventory = await _collector.RetrieveAllAsync(
            new Dictionary<string, string[]> { ["Datastore"] = ["name", "browser"], ["Datacenter"] = ["datastore"] }, cancellationToken);
        var datacenters = inventory.Where(o => o.Obj.Type == "Datacenter").ToList();
        return [.. inventory
            .Where(o => o.Obj.Type == "Datastore" && o.Val("browser") is not null)
            .Select(d => (Datastore: d, Datacenter: datacenters.FirstOrDefault(dc => dc.Val("datastore")?.Elements().Any(e => MoRef.From(e) == d.Obj) ?? false)))
            .Where(d => d.Datacenter is not null)
            .Select(d => new DatastoreRef(d.Datastore.Obj, d.Datastore.Text("name") ?? "", MoRef.From(d.Datastore.Val("browser")!), d.Datacenter!.Obj))
            .OrderBy(d => d.Name, StringComparer.Ordinal)];
    }

    /// <summary>The disk files and ISOs of a datastore whose names match <paramref name="pattern"/>, each with the VMs that use it.</summary>
    private async Task<List<FoundVolume>> SearchVolumesAsync(DatastoreRef datastore, string pattern, CancellationToken cancellationToken)
    {
        var spec = E("searchSpec",
            Typed("query", "VmDiskFileQuery", E("details", E("diskType", "false"), E("capacityKb", "true"), E("hardwareVersion", "false"))),
            Typed("query", "IsoImageFileQuery"),
            E("details", E("fileType", "true"), E("fileSize", "true"), E("modification", "false"), E("fileOwner", "false")),
            E("matchPattern", pattern));
        var result = await RunTaskAsync("SearchDatastoreSubFolders_Task", datastore.Browser, cancellationToken, E("datastorePath", $"[{datastore.Name}]"), spec);
        var users = await VolumeUsersAsync(cancellationToken);
        var found = new List<FoundVolume>();
        foreach (var folder in result?.Elements() ?? [])
        {
            var folderPath = InsideDatastore(folder.ChildValue("folderPath") ?? "");
            foreach (var file in folder.Elements(Ns + "file"))
            {
                var fileName = file.ChildValue("path") ?? "";
                var type = file.XsiType();
                var iso = type == "IsoImageFileInfo" || fileName.EndsWith(".iso", StringComparison.OrdinalIgnoreCase);
                var disk = type == "VmDiskFileInfo" || fileName.EndsWith(".vmdk", StringComparison.Ordinal);
                if (type == "FolderFileInfo" || !(iso || disk) || ExtentSuffixes.Any(s => fileName.EndsWith(s, StringComparison.Ordinal)))
                {
                    continue;
                }

                var inside = folderPath.Length == 0 ? fileName : $"{folderPath}/{fileName}";
                var path = Path(datastore, inside);
                var fileSize = long.TryParse(file.ChildValue("fileSize"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) ? size : 0;
                var capacity = long.TryParse(file.ChildValue("capacityKb"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib) && kib > 0
                    ? kib * 1024
                    : users.Capacities.GetValueOrDefault(path, iso ? fileSize : 0);
                found.Add(new FoundVolume(
                    new Volume(
                        Id: inside.Replace('/', ':'),
                        Name: iso ? fileName : VolumeName(fileName),
                        StorageId: datastore.Obj.Value,
                        Size: Math.Round(capacity / BytesPerGiB, 2),
                        SizeBytes: capacity,
                        AllocationBytes: fileSize,
                        Format: iso ? "iso" : "vmdk",
                        Path: path,
                        UsedBy: users.Names.TryGetValue(path, out var names) ? [.. names.Order(StringComparer.Ordinal)] : []),
                    iso,
                    datastore));
            }
        }

        return found;
    }

    /// <summary>For each file a VM's disk or CD-ROM is backed by (snapshot parents too): the VMs' names, and a disk's capacity.</summary>
    private async Task<(Dictionary<string, HashSet<string>> Names, Dictionary<string, long> Capacities)> VolumeUsersAsync(CancellationToken cancellationToken)
    {
        var vms = await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["VirtualMachine"] = ["name", "config.hardware.device"] }, cancellationToken);
        var names = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var capacities = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var vm in vms)
        {
            foreach (var device in GuestMapping.Devices(vm.Val("config.hardware.device")).Where(d => d.XsiType() is "VirtualDisk" or "VirtualCdrom"))
            {
                foreach (var file in device.Child("backing")?.Descendants(Ns + "fileName").Select(f => f.Value) ?? [])
                {
                    (names.TryGetValue(file, out var set) ? set : names[file] = new HashSet<string>(StringComparer.Ordinal)).Add(vm.Text("name") ?? vm.Obj.Value);
                    if (GuestMapping.IsDisk(device))
                    {
                        capacities.TryAdd(file, GuestMapping.DiskBytes(device));
                    }
                }
            }
        }

        return (names, capacities);
    }

    /// <summary>A file name the API may address: no folder, no control character, not '.' or '..', not a datastore path.</summary>
    private static void CheckFileName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl) || name.IndexOfAny(['/', '\\']) >= 0
            || name.StartsWith('[') || name is "." or ".." || name.Contains("..", StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"{what} must be a file name of 1 to 200 characters, without '/', '\\', '..', control characters or a leading '['.");
        }
    }

    /// <summary>A disk volume's name is its file name without ".vmdk".</summary>
    private static string VolumeName(string fileName) => fileName.EndsWith(".vmdk", StringComparison.Ordinal) ? fileName[..^5] : fileName;

    private static string Path(DatastoreRef datastore, string inside) => $"[{datastore.Name}] {inside}";

    /// <summary>The part of a datastore path after its <c>[name]</c>, without edge slashes (vcsim writes <c>[ds]/vm</c>, vSphere <c>[ds] vm/</c>).</summary>
    private static string InsideDatastore(string datastorePath)
    {
        var close = datastorePath.IndexOf(']', StringComparison.Ordinal);
        return (close < 0 ? datastorePath : datastorePath[(close + 1)..]).Trim().Trim('/');
    }
}

/// <summary>A datastore with what file operations need: its browser and its datacenter.</summary>
internal sealed record DatastoreRef(MoRef Obj, string Name, MoRef Browser, MoRef Datacenter);

/// <summary>A volume as found, whether it is an ISO, and its datastore.</summary>
internal sealed record FoundVolume(Volume Volume, bool Iso, DatastoreRef Datastore);
