using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Transfer;

/// <summary>
/// What the OVA tests share: a guest made with a disk whose bytes the test writes into vcsim's
/// datastore folder (vcsim keeps each disk as a real <c>-flat.vmdk</c> file, empty at first), OVAs
/// built by hand for the hostile cases, and Debian's Python reading an OVA on its own.
/// </summary>
internal static class OvaTestKit
{
    public static readonly XNamespace OvfNs = "http://schemas.dmtf.org/ovf/envelope/1";

    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>The local file behind a VM's first disk's data: its backing's datastore path, as a -flat.vmdk in vcsim's folders.</summary>
    public static string FlatFile(VcsimProcess vcsim, VcsimProbe probe, string guestName)
    {
        var backing = probe.Disks(guestName)[0].Path ?? throw new InvalidOperationException($"{guestName} has a disk without a file.");
        var relative = backing[(backing.IndexOf(']', StringComparison.Ordinal) + 1)..].Trim();
        relative = relative[..^".vmdk".Length] + "-flat.vmdk";
        return vcsim.DatastoreFolders.Select(folder => Path.Combine(folder, relative)).FirstOrDefault(File.Exists)
               ?? throw new InvalidOperationException($"No datastore folder holds {relative}.");
    }

    /// <summary>Makes a powered-off guest with one 1 GiB disk on VM Network and writes <paramref name="bytes"/> random bytes as its disk's data.</summary>
    public static async Task<(Guest Guest, byte[] Disk)> CreateGuestWithDataAsync(VSphereConnection connection, VcsimProcess vcsim, VcsimProbe probe, string name, int bytes, CancellationToken cancellationToken)
    {
        var guest = await connection.CreateGuestAsync(
            new GuestCreateRequest(name, 256, Cpus: 2, Disks: [new DiskSpec(1)], NetworkInterfaces: [new NicSpec("VM Network")]), cancellationToken);
        var data = RandomNumberGenerator.GetBytes(bytes);
        await File.WriteAllBytesAsync(FlatFile(vcsim, probe, name), data, cancellationToken);
        return (guest, data);
    }

    public static async Task<byte[]> ExportAsync(VSphereConnection connection, string guestId, CancellationToken cancellationToken)
    {
        var export = await connection.OpenExportAsync(guestId, cancellationToken);
        using var output = new MemoryStream();
        await export.WriteToAsync(output, cancellationToken);
        Assert.EndsWith(".ova", export.FileName, StringComparison.Ordinal);
        Assert.Equal(export.Length, output.Length); // The length announced before the first byte is the length sent.
        return output.ToArray();
    }

    /// <summary>The entries of a tar, in order, with their data.</summary>
    public static List<(string Name, byte[] Data)> ReadTar(byte[] archive)
    {
        var entries = new List<(string, byte[])>();
        using var reader = new TarReader(new MemoryStream(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            entries.Add((entry.Name, data.ToArray()));
        }

        return entries;
    }

    /// <summary>A ustar archive of these entries, in this order.</summary>
    public static byte[] WriteTar(params (string Name, byte[] Data)[] entries)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        return output.ToArray();
    }

    /// <summary>A descriptor with its VirtualSystem renamed (so that an import does not collide with the exported guest).</summary>
    public static byte[] Renamed(byte[] descriptor, string name)
    {
        var document = XDocument.Parse(System.Text.Encoding.UTF8.GetString(descriptor));
        var system = document.Root!.Element(OvfNs + "VirtualSystem")!;
        system.Element(OvfNs + "Name")!.Value = name;
        system.SetAttributeValue(OvfNs + "id", name);
        return System.Text.Encoding.UTF8.GetBytes(document.ToString());
    }

    /// <summary>Runs Transfer/ova_check.py with Debian's python3 on an OVA written to a temporary file.</summary>
    public static async Task<JsonElement> CheckWithPythonAsync(byte[] ova, CancellationToken cancellationToken, params string[] vcsim)
    {
        var path = Path.Combine(Path.GetTempPath(), $"simplestack-ova-{Guid.NewGuid():N}.ova");
        await File.WriteAllBytesAsync(path, ova, cancellationToken);
        try
        {
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(VcsimProcess.ProjectDirectory, "Transfer", "ova_check.py"));
            start.ArgumentList.Add(path);
            foreach (var argument in vcsim)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            Assert.True(process.ExitCode == 0, $"ova_check.py exited with {process.ExitCode}: {await errors}");
            return JsonDocument.Parse((await output).Trim()).RootElement.Clone();
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Asserts with qemu-img that a VMDK holds <paramref name="raw"/> followed by zeros to its capacity.</summary>
    public static async Task AssertVmdkHoldsAsync(byte[] vmdk, byte[] raw, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("simplestack-vmdk-");
        try
        {
            var vmdkPath = Path.Combine(folder.FullName, "disk.vmdk");
            var rawPath = Path.Combine(folder.FullName, "disk.raw");
            await File.WriteAllBytesAsync(vmdkPath, vmdk, cancellationToken);
            await File.WriteAllBytesAsync(rawPath, raw, cancellationToken);
            // Images of different sizes compare equal when the larger one is zeros past the smaller.
            await QemuImgAsync(cancellationToken, "compare", "-f", "vmdk", "-F", "raw", vmdkPath, rawPath);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    public static async Task<string> QemuImgAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.True(process.ExitCode == 0, $"qemu-img {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output} {await errors}");
        return await output;
    }

    public static string[] VcsimArguments(VcsimProcess vcsim) => ["127.0.0.1", vcsim.Port.ToString(CultureInfo.InvariantCulture), vcsim.User, vcsim.Password];

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
