using System.Formats.Tar;
using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Ovf;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// Import of an OVA (API.md §8): the tar is read forward once, as it arrives. Its first entry must
// be the .ovf descriptor (the OVF spec's rule for OVA), which vSphere's OvfManager turns into an
// import spec (CreateImportSpec); ResourcePool.ImportVApp makes the VM and an HttpNfcLease; each
// disk entry then streams straight from the caller to the lease's device URL, and the lease is
// completed. A manifest (.mf), which the spec puts right after the descriptor, is checked file by
// file as they pass. No Content-Length is needed: every tar entry carries its own size, which is
// what the uploads declare, so a chunked body imports as well. Anything wrong (a bad descriptor,
// an entry larger than the OVF says, a digest that differs, a referenced file missing from the
// archive, a failed upload, a caller gone) aborts the lease and destroys the VM it made: nothing
// half-made is left.
public sealed partial class VSphereConnection
{
    /// <summary>A file vSphere wants uploaded for the import spec: the lease device it goes to and its name in the archive.</summary>
    private sealed record ImportFileItem(string DeviceId, string Path, bool Create);

    public async Task<Guest> ImportGuestAsync(Stream source, long? length, string? storageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            return await ImportOvaAsync(source, storageId, cancellationToken);
        }
        catch (Exception error) when (error is InvalidDataException or FormatException or EndOfStreamException)
        {
            // Raised by the tar reader (or a disk entry shorter than its header said); the undo has run.
            throw new InvalidArgumentException($"The body is not a valid OVA (a tar archive): {error.Message}");
        }
    }

    private async Task<Guest> ImportOvaAsync(Stream source, string? storageId, CancellationToken cancellationToken)
    {
        await using var tar = new TarReader(source, leaveOpen: true);
        var first = await NextFileAsync(tar, cancellationToken)
                    ?? throw new InvalidArgumentException("The OVA is empty: its first entry must be the .ovf descriptor.");
        if (!first.Name.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase) || first.Name.Contains('/', StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"The OVA's first entry is '{Shown(first.Name)}': an OVA starts with its .ovf descriptor.");
        }

        if (first.Length > OvfPackage.MaxDescriptorBytes)
        {
            throw new InvalidArgumentException($"The .ovf descriptor is over {OvfPackage.MaxDescriptorBytes / (1024 * 1024)} MiB: not a descriptor.");
        }

        var descriptor = new byte[first.Length];
        await (first.DataStream ?? Stream.Null).ReadExactlyAsync(descriptor, cancellationToken);
        var package = OvfPackage.Read(descriptor);
        CheckName(package.Name);

        // The manifest, when there is one, follows the descriptor (the OVF spec's order): read it before anything is made.
        var next = await NextFileAsync(tar, cancellationToken);
        OvaManifest? manifest = null;
        if (next is not null && next.Name.EndsWith(".mf", StringComparison.OrdinalIgnoreCase))
        {
            if (next.Length > OvaManifest.MaxBytes)
            {
                throw new InvalidArgumentException("The OVA's manifest is over 1 MiB: not a manifest.");
            }

            var text = new byte[next.Length];
            await (next.DataStream ?? Stream.Null).ReadExactlyAsync(text, cancellationToken);
            manifest = OvaManifest.Read(text);
            manifest.Check(first.Name, descriptor);
            next = await NextFileAsync(tar, cancellationToken);
        }

        var inventory = await _collector.RetrieveAllAsync(Placement.Paths, cancellationToken);
        if (inventory.Any(o => GuestMapping.IsGuest(o) && o.Text("name") == package.Name))
        {
            throw new ConflictException($"A guest named '{package.Name}' exists already: vSphere keeps names unique in a folder, so delete or rename it first.");
        }

        var placement = Placement.Choose(inventory, asked: null, _placement);
        var datastoreName = storageId is null ? placement.DatastoreName : Placement.Datastore(inventory, storageId);
        var datastore = inventory.First(o => o.Obj.Type == "Datastore" && o.Text("name") == datastoreName).Obj;
        var networks = package.Networks.Select(n => Placement.Network(inventory, n, $"the OVF's network '{n}'")).ToList();
        var ovfManager = _session.Content.OvfManager
                         ?? throw new FeatureNotAvailableException("This vSphere server has no OvfManager, so it cannot import an OVF.");

        var (importSpec, fileItems) = await CreateImportSpecAsync(ovfManager, package, placement, datastore, networks, cancellationToken);
        var stampLater = false;
        if (importSpec.Child("configSpec") is { } configSpec)
        {
            ExtraConfig.InsertInto(configSpec, ExtraConfig.StampOfCurrentWork()); // The stamp is made with the VM.
        }
        else
        {
            stampLater = true; // Not a VM's import spec: stamped once the VM exists, before the answer.
        }

        await using var undo = new Reverter(_logger);
        var answer = await _session.CallAsync("ImportVApp", placement.ResourcePool, cancellationToken, importSpec, Ref("folder", placement.VmFolder));
        var lease = MoRef.From(answer.Child("returnval") ?? throw new HypervisorErrorException("The vSphere server answered ImportVApp without a lease."));
        MoRef? vm = null;
        var completed = false;
        undo.Add($"import of {package.Name}", async () =>
        {
            if (!completed)
            {
                await AbortLeaseQuietlyAsync(lease);
            }

            if (vm is { } made)
            {
                await DestroyIfThereAsync(made);
            }
        });

        var info = await WaitForLeaseAsync(lease, cancellationToken);
        vm = info.Child("entity") is { } entity ? MoRef.From(entity) : throw new HypervisorErrorException("The vSphere server's import lease names no VM.");
        var deviceUrls = info.Elements(Ns + "deviceUrl")
            .Where(d => d.ChildValue("importKey") is { Length: > 0 })
            .GroupBy(d => d.ChildValue("importKey")!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().ChildValue("url") ?? "", StringComparer.Ordinal);

        await UploadFilesAsync(tar, next, manifest, package, fileItems, deviceUrls, lease, cancellationToken);

        await _session.CallAsync("HttpNfcLeaseComplete", lease, cancellationToken);
        completed = true;
        if (stampLater && ExtraConfig.StampOfCurrentWork().ToArray() is { Length: > 0 } stamp)
        {
            await RunTaskAsync("ReconfigVM_Task", vm.Value, cancellationToken, E("spec", stamp));
        }

        new TaskShare(99, 100, "completing").Report(100);
        var guest = await ReadGuestAsync(vm.Value, cancellationToken);
        undo.Commit();
        return guest;
    }

    /// <summary>
    /// <c>OvfManager.CreateImportSpec</c> for the descriptor on the chosen pool and datastore, each
    /// OVF network mapped to the port group of its name. The server's errors about the descriptor
    /// are a 400 quoting them; its warnings are logged.
    /// </summary>
    private async Task<(XElement Spec, IReadOnlyList<ImportFileItem> Files)> CreateImportSpecAsync(
        MoRef ovfManager, OvfPackage package, Placement placement, MoRef datastore, IReadOnlyList<NicTarget> networks, CancellationToken cancellationToken)
    {
        var answer = await _session.CallAsync("CreateImportSpec", ovfManager, cancellationToken,
            E("ovfDescriptor", package.Text),
            Ref("resourcePool", placement.ResourcePool),
            Ref("datastore", datastore),
            E("cisp",
                E("locale", ""),
                E("deploymentOption", ""),
                E("entityName", package.Name),
                networks.Select(n => E("networkMapping", E("name", n.Name), Ref("network", n.Network))),
                E("diskProvisioning", "thin")));
        var result = answer.Child("returnval") ?? throw new HypervisorErrorException("The vSphere server answered CreateImportSpec without a result.");
        var errors = result.Elements(Ns + "error").Select(FaultText).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidArgumentException($"The vSphere server refused the OVF descriptor: {string.Join("; ", errors)}");
        }

        foreach (var warning in result.Elements(Ns + "warning").Select(FaultText))
        {
            VSphereTransferLog.ImportWarning(_logger, package.Name, warning);
        }

        var spec = result.Child("importSpec") ?? throw new HypervisorErrorException("The vSphere server answered CreateImportSpec without an import spec.");
        var files = result.Elements(Ns + "fileItem")
            .Select(f => new ImportFileItem(f.ChildValue("deviceId") ?? "", f.ChildValue("path") ?? "", f.ChildValue("create") == "true"))
            .ToList();
        return (Renamed(spec, "spec"), files);
    }

    /// <summary>
    /// Reads the rest of the archive from <paramref name="entry"/> on: every entry a file the OVF
    /// references, at the size it declares, checked against the manifest when there is one; each
    /// file the import spec wants goes to its lease device as it is read. A certificate
    /// (<c>.cert</c>) is passed over: its signature is not checked. A manifest out of its place is a 400.
    /// </summary>
    private async Task UploadFilesAsync(TarReader tar, TarEntry? entry, OvaManifest? manifest, OvfPackage package, IReadOnlyList<ImportFileItem> items, Dictionary<string, string> deviceUrls, MoRef lease, CancellationToken cancellationToken)
    {
        var total = Math.Max(1, package.Files.Where(f => items.Any(i => i.Path == f.Href)).Sum(f => f.Size ?? 0));
        long done = 0;
        var uploaded = new TaskShare(0, 99, "uploading"); // Ours to count: the bytes sent of those the import spec wants.
        uploaded.Report(0, total);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (; entry is not null; entry = await NextFileAsync(tar, cancellationToken))
        {
            if (entry.Name.EndsWith(".mf", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidArgumentException("The OVA's manifest (.mf) must come right after its descriptor, so that the files can be checked as they pass.");
            }

            if (entry.Name.EndsWith(".cert", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var file = package.Files.FirstOrDefault(f => f.Href == entry.Name)
                       ?? throw new InvalidArgumentException($"The OVA holds '{Shown(entry.Name)}', a file its descriptor does not reference.");
            if (!seen.Add(file.Href))
            {
                throw new InvalidArgumentException($"The OVA holds '{Shown(file.Href)}' twice.");
            }

            if (file.Size is { } declared && entry.Length != declared)
            {
                throw new InvalidArgumentException($"The OVA's '{Shown(file.Href)}' is {entry.Length} bytes where its descriptor says {declared}.");
            }

            using var hash = manifest?.HashFor(file.Href);
            var item = items.FirstOrDefault(i => i.Path == file.Href);
            var before = done;
            var data = new KnownLengthStream(entry.DataStream ?? Stream.Null, entry.Length, hash,
                item is null || !uploaded.Followed ? null : sent => uploaded.Report(before + sent, total));
            if (item is null)
            {
                // Referenced but not wanted by this import spec: read past (through the hash, if the manifest lists it).
                await data.CopyToAsync(Stream.Null, cancellationToken);
                manifest?.Check(file.Href, hash);
                continue;
            }

            var url = deviceUrls.GetValueOrDefault(item.DeviceId)
                      ?? throw new HypervisorErrorException($"The vSphere server's import lease has no device for '{Shown(file.Href)}'.");
            await using (new LeaseKeepAlive(this, lease, () => (int)Math.Min(99, (before + data.Transferred) * 100 / total)))
            {
                await UploadAsync(url, data, streamOptimized: !item.Create && file.DiskFormat == OvfDescriptor.StreamOptimizedFormat, file.Href, cancellationToken);
            }

            manifest?.Check(file.Href, hash);

            done += entry.Length;
            await _session.CallAsync("HttpNfcLeaseProgress", lease, cancellationToken, E("percent", ((int)Math.Min(99, done * 100 / total)).ToString(CultureInfo.InvariantCulture)));
        }

        if (package.Files.FirstOrDefault(f => !seen.Contains(f.Href)) is { } missing)
        {
            throw new InvalidArgumentException($"The OVF descriptor references '{Shown(missing.Href)}', which the OVA does not hold.");
        }
    }

    /// <summary>Destroys a VM an import made, unless the server already removed it (vSphere does on abort; vcsim does not).</summary>
    private async Task DestroyIfThereAsync(MoRef vm)
    {
        try
        {
            await DestroyAsync(vm, CancellationToken.None);
        }
        catch (EntityNotFoundException)
        {
            // Gone with the lease.
        }
    }

    /// <summary>The next regular file of the archive (directories and extended headers passed over); anything else is a 400.</summary>
    private static async Task<TarEntry?> NextFileAsync(TarReader tar, CancellationToken cancellationToken)
    {
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            switch (entry.EntryType)
            {
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    return entry;
                case TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes:
                    continue;
                default:
                    throw new InvalidArgumentException($"The OVA entry '{Shown(entry.Name)}' is a {entry.EntryType}, not a file.");
            }
        }

        return null;
    }

    /// <summary>A data object sent back under another element name (an import spec answered by CreateImportSpec, passed to ImportVApp), its prefixes kept.</summary>
    private static XElement Renamed(XElement element, string name)
    {
        var renamed = new XElement(Ns + name, element.Attributes(), element.Nodes());
        foreach (var declaration in element.Ancestors().SelectMany(a => a.Attributes()).Where(a => a.IsNamespaceDeclaration && a.Name.Namespace == XNamespace.Xmlns))
        {
            if (renamed.Attribute(declaration.Name) is null)
            {
                renamed.Add(new XAttribute(declaration.Name, declaration.Value));
            }
        }

        return renamed;
    }

    private static string FaultText(XElement localizedFault)
    {
        var message = localizedFault.ChildValue("localizedMessage");
        var type = localizedFault.Child("fault")?.XsiType() ?? "Fault";
        return string.IsNullOrWhiteSpace(message) ? type : $"{Shown(message)} ({type})";
    }

    /// <summary>A name or message fit for an error: one line, at most 120 characters.</summary>
    private static string Shown(string text)
    {
        var line = new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);
        return line.Length <= 120 ? line : line[..120] + "…";
    }

}

internal static partial class VSphereTransferLog
{
    [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "vSphere import of {Guest}: {Warning}")]
    public static partial void ImportWarning(ILogger logger, string guest, string warning);
}
