using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Store;

namespace Simplestack.XenApi.Simulator.Xva;

/// <summary>
/// Reads an XVA forward only, as import.ml and stream_vdi.ml do: ova.xml must come first
/// (IMPORT_ERROR_UNEXPECTED_FILE otherwise), then "Ref:N/%08d" blocks, each followed by its
/// ".checksum" (SHA-1) or ".xxhash" (XXH64) file. A block that does not match its checksum
/// fails the import (IMPORT_ERROR) unless forced. Missing blocks are zeros.
/// </summary>
internal static class XvaReader
{
    /// <summary>
    /// The tar inside an upload: as is, or gunzipped when it starts with gzip's magic (import.ml
    /// tries the plain tar first, then a decompressor). zstd is not simulated: IMPORT_ERROR.
    /// </summary>
    public static async Task<Stream> OpenAsync(Stream body, CancellationToken cancellation)
    {
        var magic = new byte[4];
        var read = await body.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
        var start = new PrefixedStream(magic[..read], body);
        if (read == 4 && magic is [0x28, 0xb5, 0x2f, 0xfd])
        {
            throw new XenApiException("IMPORT_ERROR", "zstd-compressed archives are not simulated; send the tar plain or gzipped");
        }
        return read >= 2 && magic is [0x1f, 0x8b, ..] ? new GZipStream(start, CompressionMode.Decompress) : start;
    }

    public static async Task<string> ReadHeaderAsync(TarReader tar, CancellationToken cancellation)
    {
        var first = await tar.GetNextEntryAsync(copyData: false, cancellation).ConfigureAwait(false);
        if (first is null || first.Name != OvaXml.FileName)
        {
            throw new XenApiException("IMPORT_ERROR_UNEXPECTED_FILE", OvaXml.FileName, first?.Name ?? "");
        }
        return Encoding.UTF8.GetString(await ReadAllAsync(first, int.MaxValue, cancellation).ConfigureAwait(false));
    }

    /// <summary>Reads the disks' blocks into <paramref name="content"/>; <paramref name="progressed"/> gets the bytes covered and the total.</summary>
    public static async Task ReadDisksAsync(TarReader tar, IReadOnlyDictionary<string, XvaDisk> disks, VdiContent content, bool force,
        Action<long, long> progressed, CancellationToken cancellation)
    {
        var total = disks.Values.Sum(d => d.Size);
        var ended = new HashSet<string>(StringComparer.Ordinal);
        var before = new Dictionary<string, long>(StringComparer.Ordinal);
        long sum = 0;
        foreach (var disk in disks.Values.OrderBy(d => d.Prefix, StringComparer.Ordinal))
        {
            before[disk.Prefix] = sum;
            sum += disk.Size;
        }
        while (await tar.GetNextEntryAsync(copyData: false, cancellation).ConfigureAwait(false) is { } entry)
        {
            var (disk, index) = BlockOf(entry.Name, disks);
            var data = await ReadAllAsync(entry, VdiContent.BlockSize, cancellation).ConfigureAwait(false);
            if (index * VdiContent.BlockSize + data.Length > disk.Size)
            {
                throw Invalid($"{entry.Name} ends past the disk's {disk.Size} bytes");
            }
            var check = await tar.GetNextEntryAsync(copyData: false, cancellation).ConfigureAwait(false);
            var kind = check?.Name == entry.Name + ".checksum" ? "sha1" : check?.Name == entry.Name + ".xxhash" ? "xxh64" : null;
            if (check is null || kind is null)
            {
                throw Invalid($"expected a checksum file for {entry.Name}, found {check?.Name ?? "the end of the archive"}");
            }
            var given = Encoding.ASCII.GetString(await ReadAllAsync(check, 64, cancellation).ConfigureAwait(false)).Trim();
            var computed = kind == "sha1"
                ? Convert.ToHexStringLower(SHA1.HashData(data))
                : XxHash64.Hash(data).ToString("X16", CultureInfo.InvariantCulture);
            if (!force && !string.Equals(given, computed, kind == "sha1" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
            {
                // The words of stream_vdi.ml's Invalid_checksum, which import.ml reports as IMPORT_ERROR.
                throw new XenApiException("IMPORT_ERROR",
                    $"Stream_vdi.Invalid_checksum(\"Block {entry.Name} checksum failed: original = {given}; recomputed = {computed}\")");
            }
            content.PutBlock(disk.Vdi, index, data);
            if (index * VdiContent.BlockSize + data.Length == disk.Size)
            {
                ended.Add(disk.Prefix);
            }
            progressed(before[disk.Prefix] + index * VdiContent.BlockSize + data.Length, total);
        }
        // xapi reads each disk up to its size (the last block is always there): an archive that ends first was cut short.
        if (disks.Values.Any(d => d.Size > 0 && !ended.Contains(d.Prefix)))
        {
            throw new EndOfStreamException("the archive ended before every disk did");
        }
    }

    private static (XvaDisk Disk, long Index) BlockOf(string name, IReadOnlyDictionary<string, XvaDisk> disks)
    {
        var slash = name.LastIndexOf('/');
        if (slash > 0 && disks.TryGetValue(name[..slash], out var disk) && name.Length - slash - 1 == 8
            && long.TryParse(name.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return (disk, index);
        }
        throw Invalid("unexpected file " + name);
    }

    private static XenApiException Invalid(string why) => new("IMPORT_ERROR", "Invalid XVA file: " + why);

    private static async Task<byte[]> ReadAllAsync(TarEntry entry, int limit, CancellationToken cancellation)
    {
        if (entry.Length > limit)
        {
            throw Invalid($"{entry.Name} is {entry.Length} bytes long");
        }
        var data = new byte[entry.Length];
        if (entry.DataStream is { } stream)
        {
            await stream.ReadExactlyAsync(data, cancellation).ConfigureAwait(false);
        }
        return data;
    }
}
