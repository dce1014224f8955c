using System.Formats.Tar;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Simplestack.IntegrationTests;

/// <summary>
/// The export archive's driver-neutral manifest on real QEMU: what it says about a guest with a
/// disk, archives in the older format still importing, and manifests that disagree with the
/// archive's files refused after the disks were uploaded, leaving no volume behind.
/// </summary>
public sealed class ArchiveManifestTests : GatewayOnQemu
{
    [Fact]
    public async Task The_manifest_describes_the_guest_and_an_archive_in_the_version_1_format_still_imports()
    {
        var name = NewName("v1");
        var guest = await CreateGuestAsync(BootableGuest(name, start: false));
        var archive = await ExportAsync(guest.Id);

        var manifest = ReadManifest(archive);
        Assert.Equal(2, manifest["format_version"]!.GetValue<int>());
        Assert.Equal((name, 1, 256L, "bios"), (manifest["name"]!.GetValue<string>(), manifest["cpus"]!.GetValue<int>(), manifest["memory_mib"]!.GetValue<long>(), manifest["firmware"]!.GetValue<string>()));
        var disk = Assert.Single(manifest["disks"]!.AsArray())!;
        Assert.Equal(("vda", "virtio", "qcow2", 1L << 30, "disks/vda.qcow2"), (disk["device"]!.GetValue<string>(), disk["bus"]!.GetValue<string>(), disk["format"]!.GetValue<string>(), disk["size_bytes"]!.GetValue<long>(), disk["file"]!.GetValue<string>()));
        Assert.Equal(Substrate.NatNetwork, Assert.Single(manifest["nics"]!.AsArray())!["network"]!.GetValue<string>());
        Assert.Equal("domain.xml", manifest["native"]!["file"]!.GetValue<string>());
        var digest = disk["sha256"]!.GetValue<string>();

        // The manifest as servers before format version 2 wrote it.
        var version1 = new JsonObject
        {
            ["format_version"] = 1,
            ["name"] = name,
            ["uuid"] = manifest["uuid"]!.GetValue<string>(),
            ["disks"] = new JsonArray(new JsonObject
            {
                ["target"] = "vda",
                ["entry"] = "disks/vda.qcow2",
                ["format"] = "qcow2",
                ["capacity_bytes"] = 1L << 30,
                ["file_bytes"] = disk["file_bytes"]!.GetValue<long>(),
                ["sha256"] = digest,
            }),
            ["format"] = "simplestack-guest",
        };
        var old = Rewrite(archive, _ => version1);
        await ExpectAsync(HttpMethod.Delete, Guests($"/{guest.Id}"), null, HttpStatusCode.NoContent);

        using var body = new StreamContent(File.OpenRead(old));
        using var imported = await Http.PostAsync(Guests(), body, Ct);
        var importedText = await imported.Content.ReadAsStringAsync(Ct);
        Assert.True(imported.StatusCode == HttpStatusCode.Created, importedText);

        var again = await ExportAsync(name);
        Assert.Equal(digest, Assert.Single(ReadManifest(again)["disks"]!.AsArray())!["sha256"]!.GetValue<string>());
        File.Delete(archive);
        File.Delete(old);
        File.Delete(again);
    }

    [Theory]
    [InlineData("file", "../../etc/passwd")]
    [InlineData("file", "disks/vdb.qcow2")]
    [InlineData("bus", "sata")]
    [InlineData("size_bytes", "huge")]
    public async Task A_manifest_that_disagrees_with_the_archive_is_a_400_and_leaves_no_volume(string field, string value)
    {
        var name = NewName("lie");
        var guest = await CreateGuestAsync(BootableGuest(name, start: false));
        var archive = await ExportAsync(guest.Id);
        await ExpectAsync(HttpMethod.Delete, Guests($"/{guest.Id}"), null, HttpStatusCode.NoContent);

        var lying = Rewrite(archive, manifest =>
        {
            manifest["disks"]![0]![field] = value == "huge" ? JsonValue.Create(long.MaxValue) : JsonValue.Create(value);
            return manifest;
        });
        using var body = new StreamContent(File.OpenRead(lying));
        using var response = await Http.PostAsync(Guests(), body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("InvalidArguments", JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
        AssertNothingLeftNamed(name);
        File.Delete(archive);
        File.Delete(lying);
    }

    private async Task<string> ExportAsync(string id)
    {
        using var response = await Http.GetAsync(Guests($"/{id}/export"), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = Path.GetTempFileName();
        await using (var output = File.Create(file))
        {
            await response.Content.CopyToAsync(output, Ct);
        }

        return file;
    }

    private static JsonObject ReadManifest(string archive)
    {
        using var reader = new TarReader(File.OpenRead(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Name == "manifest.json")
            {
                return JsonNode.Parse(entry.DataStream!)!.AsObject();
            }
        }

        throw new InvalidOperationException("The archive has no manifest.json.");
    }

    /// <summary>A copy of the archive, entries in the same order, disks streamed, with its manifest changed.</summary>
    private static string Rewrite(string archive, Func<JsonObject, JsonObject> change)
    {
        var file = Path.GetTempFileName();
        using var reader = new TarReader(File.OpenRead(archive));
        using var output = File.Create(file);
        using var writer = new TarWriter(output, TarEntryFormat.Ustar);
        while (reader.GetNextEntry() is { } entry)
        {
            var data = entry.DataStream ?? Stream.Null;
            if (entry.Name == "manifest.json")
            {
                data = new MemoryStream(Encoding.UTF8.GetBytes(change(JsonNode.Parse(data)!.AsObject()).ToJsonString()));
            }

            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, entry.Name) { DataStream = data });
        }

        return file;
    }
}
