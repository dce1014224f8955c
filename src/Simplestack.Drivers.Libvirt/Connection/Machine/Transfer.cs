using System.Formats.Tar;
using System.Text;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Core.Transfer;
using Simplestack.Drivers.Libvirt.Metadata;
using Simplestack.Drivers.Libvirt.Transfer;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Export and import (API.md §5). Disks move through libvirt streams (virStorageVolDownload and
// virStorageVolUpload) chunk by chunk, so neither direction holds a disk in memory and both work
// against remote hypervisors. An import that fails part-way (bad checksum, broken archive,
// hypervisor error) deletes every volume it made.
public sealed partial class LibvirtMachineConnection : IGuestTransfer
{
    private const int ChunkBytes = 256 * 1024;
    private const int MaxSmallEntryBytes = 4 * 1024 * 1024;

    public Task<GuestExport> OpenExportAsync(string guestId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        if (domain.IsActive)
        {
            throw new ConflictException($"Guest '{domain.Name}' is running; stop it before exporting so its disks are consistent.");
        }

        var xml = Encoding.UTF8.GetBytes(domain.GetXmlDesc(DomainXmlFlags.Inactive | DomainXmlFlags.Secure));
        var disks = new List<(GuestManifestDisk Disk, string Path)>();
        foreach (var disk in DomainDescription.Parse(Encoding.UTF8.GetString(xml)).Disks.Where(d => d.Device == "disk"))
        {
            using var volume = (disk.SourcePath is null ? null : Native.TryLookupStorageVolumeByPath(disk.SourcePath))
                ?? throw new FeatureNotAvailableException($"Disk '{disk.Target}' is not a storage volume, so it cannot be exported.");
            var volumeXml = volume.GetXmlDesc();
            var format = VolumeDescription.Parse(volumeXml).Format ?? "raw";
            var info = volume.GetInfo();
            var described = new GuestManifestDisk(disk.Target, LibvirtGuestManifest.BusOf(disk), format, (long)info.Capacity, ArchiveFormat.DiskEntry(disk.Target, format), FileBytes(volumeXml, info), ArchiveFormat.PlaceholderDigest);
            disks.Add((described, volume.Path));
        }

        if (disks.Count > 0)
        {
            // Once the archive has started, an error can only cut the download short: find out
            // now whether this hypervisor can stream volumes at all (the test driver cannot).
            ProbeDownload(disks[0].Path);
        }

        var manifest = LibvirtGuestManifest.Describe(Encoding.UTF8.GetString(xml), [.. disks.Select(d => d.Disk)]);
        var manifestLength = ArchiveFormat.Serialize(manifest).Length;
        var length = ArchiveFormat.ArchiveLength([xml.Length, .. disks.Select(d => d.Disk.FileBytes), manifestLength]);
        return new GuestExport($"{domain.Name}.tar", length, (destination, ct) => WriteArchiveAsync(destination, xml, manifest, disks, manifestLength, ct));
    }, cancellationToken);

    private void ProbeDownload(string path)
    {
        using var volume = Native.TryLookupStorageVolumeByPath(path) ?? throw EntityNotFoundException.Of("volume", path);
        using var stream = Native.NewStream();
        volume.Download(stream, 0, 1);
        stream.Abort();
    }

    /// <summary>The byte length of a volume's file: libvirt's &lt;physical&gt; where it reports it.</summary>
    private static long FileBytes(string volumeXml, StorageVolumeInfo info)
        => long.TryParse(XDocument.Parse(volumeXml).Root?.Element("physical")?.Value, out var physical) ? physical : (long)info.Allocation;

    private async Task WriteArchiveAsync(Stream destination, byte[] domainXml, GuestManifest manifest, List<(GuestManifestDisk Disk, string Path)> disks, int manifestLength, CancellationToken cancellationToken)
    {
        await using var tar = new TarWriter(destination, TarEntryFormat.Ustar, leaveOpen: true);
        await tar.WriteEntryAsync(Entry(ArchiveFormat.DomainEntry, new MemoryStream(domainXml)), cancellationToken);

        var written = new List<GuestManifestDisk>();
        foreach (var (disk, path) in disks)
        {
            var (volume, stream) = await _calls.RunAsync(() =>
            {
                var found = Native.TryLookupStorageVolumeByPath(path) ?? throw EntityNotFoundException.Of("volume", path);
                var opened = Native.NewStream();
                found.Download(opened, 0, (ulong)disk.FileBytes);
                return (found, opened);
            }, cancellationToken);
            using (volume)
            using (stream)
            {
                await using var data = new ForwardStream(disk.FileBytes, (buffer, ct) => new ValueTask<int>(_calls.RunAsync(() => stream.Receive(buffer.Span), ct)));
                try
                {
                    await tar.WriteEntryAsync(Entry(disk.File, data), cancellationToken);
                    await _calls.RunAsync(stream.Finish, cancellationToken);
                }
                catch
                {
                    await AbortQuietlyAsync(stream);
                    throw;
                }

                written.Add(disk with { Sha256 = data.Sha256Hex() });
            }
        }

        var finalManifest = ArchiveFormat.Serialize(manifest with { Disks = written });
        if (finalManifest.Length != manifestLength)
        {
            throw new InvalidOperationException("The manifest's length changed while streaming; the archive length would be wrong.");
        }

        await tar.WriteEntryAsync(Entry(ArchiveFormat.ManifestEntry, new MemoryStream(finalManifest)), cancellationToken);
    }

    private static UstarTarEntry Entry(string name, Stream data) => new(TarEntryType.RegularFile, name)
    {
        DataStream = data,
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
        ModificationTime = DateTimeOffset.UtcNow,
    };

    private async Task AbortQuietlyAsync(LibvirtStream stream)
    {
        try
        {
            await _calls.RunAsync(stream.Abort, CancellationToken.None);
        }
        catch (SimplestackException)
        {
            // Already broken: the original failure is what the caller sees.
        }
    }

    public async Task<Guest> ImportGuestAsync(Stream source, long? length, string? storageId, CancellationToken cancellationToken)
    {
        // Undone on the way out unless committed, after a parse failure has become a 400 below.
        await using var undo = NewUndo();
        var volumes = new NewVolumes(undo, Native);
        try
        {
            var (description, xml, imported, manifest) = await ReadArchiveAsync(source, storageId, volumes, cancellationToken);
            VerifyManifest(manifest, imported, description);
            var guest = await _calls.RunAsync(() => DefineImported(description, xml, imported, undo), cancellationToken);
            undo.Commit();
            return guest;
        }
        catch (Exception error) when (error is InvalidDataException or FormatException or System.Text.Json.JsonException or EndOfStreamException)
        {
            // A JSON error's own message names .NET types: say where in manifest.json instead.
            var reason = error is System.Text.Json.JsonException json
                ? $"manifest.json is not what this server writes{(json.Path is { Length: > 0 } path ? $" (at {path})" : string.Empty)}"
                : error.Message;
            throw new InvalidArgumentException($"The body is not a valid guest archive: {reason}");
        }
    }

    private async Task<(DomainDescription Description, string Xml, Dictionary<string, (string Path, string Sha256, long Bytes)> Disks, ArchiveManifest Manifest)> ReadArchiveAsync(
        Stream source, string? storageId, NewVolumes volumes, CancellationToken cancellationToken)
    {
        await using var tar = new TarReader(source, leaveOpen: true);
        string? xml = null;
        DomainDescription? description = null;
        ArchiveManifest? manifest = null;
        var disks = new Dictionary<string, (string Path, string Sha256, long Bytes)>(StringComparer.Ordinal);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.EntryType is TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes)
            {
                continue;
            }

            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
            {
                throw new InvalidArgumentException($"The archive entry '{entry.Name}' is not a regular file.");
            }

            // A zero-length entry has no data stream.
            var data = entry.DataStream ?? Stream.Null;

            if (entry.Name == ArchiveFormat.DomainEntry)
            {
                xml = Encoding.UTF8.GetString(await ReadSmallAsync(data, entry.Length, cancellationToken));
                description = DomainDescription.Parse(xml);
                LibvirtNames.ValidateName("guest", description.Name);
                await _calls.RunAsync(() => EnsureNameFree(description.Name), cancellationToken);
            }
            else if (entry.Name == ArchiveFormat.ManifestEntry)
            {
                manifest = ArchiveFormat.ReadManifest(await ReadSmallAsync(data, entry.Length, cancellationToken));
            }
            else if (entry.Name.StartsWith(ArchiveFormat.DiskFolder, StringComparison.Ordinal))
            {
                if (description is null)
                {
                    throw new InvalidArgumentException("domain.xml must come before the disks in the archive.");
                }

                var file = entry.Name[ArchiveFormat.DiskFolder.Length..];
                var target = Path.GetFileNameWithoutExtension(file);
                if (target.Length is 0 or > 8 || !target.All(char.IsAsciiLetterOrDigit) || disks.ContainsKey(target))
                {
                    throw new InvalidArgumentException($"The archive entry '{entry.Name}' does not name a disk device.");
                }

                var format = file.EndsWith(".qcow2", StringComparison.Ordinal) ? "qcow2" : "raw";
                disks[target] = await UploadDiskAsync(description.Name, target, format, data, entry.Length, storageId, volumes, cancellationToken);
            }
            else
            {
                throw new InvalidArgumentException($"The archive holds an unexpected entry '{entry.Name}'.");
            }
        }

        return (description ?? throw new InvalidArgumentException("The archive has no domain.xml."),
                xml!,
                disks,
                manifest ?? throw new InvalidArgumentException("The archive has no manifest.json."));
    }

    private static async Task<byte[]> ReadSmallAsync(Stream data, long length, CancellationToken cancellationToken)
    {
        if (length > MaxSmallEntryBytes)
        {
            throw new InvalidArgumentException($"An archive metadata entry is larger than {MaxSmallEntryBytes} bytes.");
        }

        var bytes = new byte[length];
        await data.ReadExactlyAsync(bytes, cancellationToken);
        return bytes;
    }

    private void EnsureNameFree(string name)
    {
        using var taken = Native.TryLookupDomainByName(name);
        if (taken is not null)
        {
            throw new ConflictException($"A guest named '{name}' already exists; delete or rename it before importing.");
        }
    }

    private async Task<(string Path, string Sha256, long Bytes)> UploadDiskAsync(
        string guestName, string target, string format, Stream data, long length, string? storageId, NewVolumes volumes, CancellationToken cancellationToken)
    {
        var (volume, stream) = await _calls.RunAsync(() =>
        {
            using var pool = storageId is null ? DefaultPool() : FindPool(storageId);
            var name = $"{guestName}-{target}{(format == "qcow2" ? ".qcow2" : ".img")}";
            LibvirtNames.ValidateName("volume", name);
            var created = pool.CreateVolume(VolumeXml.Build(new VolumeDefinition(name, Math.Max(length, 1), format)));
            var path = created.Path;
            volumes.Add(path);
            var opened = Native.NewStream();
            created.Upload(opened, 0, (ulong)length);
            return (created, opened);
        }, cancellationToken);

        using (volume)
        using (stream)
        using (var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256))
        {
            var buffer = new byte[ChunkBytes];
            try
            {
                long sent = 0;
                while (sent < length)
                {
                    var read = await data.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - sent)), cancellationToken);
                    if (read == 0)
                    {
                        throw new EndOfStreamException($"Disk {target} ended after {sent} of {length} bytes.");
                    }

                    sha256.AppendData(buffer, 0, read);
                    var chunk = read;
                    await _calls.RunAsync(() =>
                    {
                        for (var offset = 0; offset < chunk;)
                        {
                            offset += stream.Send(buffer.AsSpan(offset, chunk - offset));
                        }
                    }, cancellationToken);
                    sent += read;
                }

                await _calls.RunAsync(stream.Finish, cancellationToken);
            }
            catch
            {
                await AbortQuietlyAsync(stream);
                throw;
            }

            return (volume.Path, Convert.ToHexStringLower(sha256.GetHashAndReset()), length);
        }
    }

    private static void VerifyManifest(ArchiveManifest manifest, Dictionary<string, (string Path, string Sha256, long Bytes)> imported, DomainDescription description)
        => LibvirtGuestManifest.Verify(manifest, imported, description);

    private Guest DefineImported(DomainDescription description, string xml, Dictionary<string, (string Path, string Sha256, long Bytes)> imported, Reverter undo)
    {
        EnsureNameFree(description.Name);

        // Keep the exported identity where it is free; otherwise a new UUID and new MACs.
        Guid uuid;
        using (var sameUuid = Native.TryLookupDomainByUuid(description.Uuid.ToString()))
        {
            uuid = sameUuid is null ? description.Uuid : Guid.NewGuid();
        }

        var macsInUse = MacsInUse();
        var macs = description.Interfaces.ToDictionary(i => i.Mac, i => macsInUse.Contains(i.Mac) ? MacAddresses.Generate() : i.Mac, StringComparer.OrdinalIgnoreCase);
        var paths = imported.ToDictionary(d => d.Key, d => d.Value.Path);
        using var domain = Native.DefineDomain(StampedForDefine(DomainXml.WithIdentity(DomainXml.WithDiskSources(xml, paths), description.Name, uuid, macs)));
        var definedUuid = domain.Uuid;
        undo.Add($"guest {description.Name}", () =>
        {
            using var defined = Native.TryLookupDomainByUuid(definedUuid);
            defined?.Undefine(UndefineFlags);
        });
        domain.SetMetadata(DomainMetadataType.Element, OwnedVolumes.Build(paths.Values), OwnedVolumes.Prefix, OwnedVolumes.NamespaceUri, DomainModificationImpact.Config);
        RefreshVolumes(paths.Values);
        return RecordGuest(domain);
    }

    private HashSet<string> MacsInUse()
        => AllDefinitions().SelectMany(d => d.Definition.Interfaces).Select(nic => nic.Mac).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// An upload replaces a volume's file; reading the volume's info makes libvirt read its real
    /// capacity. Not a pool refresh: libvirt refuses one while any copy into the pool runs (a clone
    /// of another guest), which would fail this import at its very end.
    /// </summary>
    private void RefreshVolumes(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            using var volume = Native.TryLookupStorageVolumeByPath(path);
            volume?.GetInfo();
        }
    }
}
