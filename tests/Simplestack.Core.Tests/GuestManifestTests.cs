using System.Text;
using System.Text.Json.Nodes;
using Simplestack.Core.Transfer;

namespace Simplestack.Core.Tests;

public sealed class GuestManifestTests
{
    private static readonly string Digest = new('a', 64);

    /// <summary>What this code writes, byte for byte: the example of docs/archive-format.md.</summary>
    private const string Written = """
        {
          "format": "simplestack-guest",
          "format_version": 2,
          "uuid": "4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
          "name": "web1",
          "cpus": 2,
          "memory_mib": 1024,
          "firmware": "bios",
          "disks": [
            {
              "device": "vda",
              "bus": "virtio",
              "format": "qcow2",
              "size_bytes": 8589934592,
              "file": "disks/vda.qcow2",
              "file_bytes": 1245184,
              "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            }
          ],
          "nics": [
            {
              "mac": "52:54:00:4a:1b:01",
              "network": "default",
              "model": "virtio"
            }
          ],
          "tags": [
            "web"
          ],
          "native": {
            "kind": "libvirt",
            "file": "domain.xml"
          },
          "arch": "x86_64"
        }
        """;

    private static GuestManifest Sample() => new(
        Name: "web1",
        Cpus: 2,
        MemoryMib: 1024,
        Firmware: GuestFirmware.Bios,
        Disks: [new GuestManifestDisk("vda", "virtio", "qcow2", 8L << 30, "disks/vda.qcow2", 1_245_184, Digest)],
        Nics: [new GuestManifestNic("52:54:00:4a:1b:01", "default", "virtio")],
        Tags: ["web"],
        Native: new NativeDescription("libvirt", "domain.xml"))
    {
        Uuid = "4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
        Arch = "x86_64",
    };

    [Fact]
    public void The_written_manifest_is_the_documented_one()
        => Assert.Equal(Written.ReplaceLineEndings("\n"), Encoding.UTF8.GetString(GuestManifestJson.Serialize(Sample())));

    [Fact]
    public void A_manifest_round_trips()
    {
        var back = GuestManifestJson.Parse(GuestManifestJson.Serialize(Sample()));
        Assert.Equal(GuestManifest.CurrentVersion, back.FormatVersion);
        Assert.Equal(Sample().Disks, back.Disks);
        Assert.Equal(Sample().Nics, back.Nics);
        Assert.Equal(Sample().Tags, back.Tags);
        Assert.Equal(Sample() with { Disks = back.Disks, Nics = back.Nics, Tags = back.Tags }, back);
    }

    [Fact]
    public void Optional_fields_may_be_absent_and_unknown_fields_are_skipped()
    {
        var json = Node();
        json.Remove("uuid");
        json.Remove("arch");
        json["nics"]![0]!.AsObject().Remove("model");
        json["added_by_a_later_version"] = new JsonObject { ["x"] = 1 };
        var back = GuestManifestJson.Parse(Bytes(json));
        Assert.Null(back.Uuid);
        Assert.Null(back.Arch);
        Assert.Null(Assert.Single(back.Nics).Model);
    }

    [Theory]
    [InlineData("""{"format_version": 1, "name": "x"}""", 1)]
    [InlineData("""{"name": "x", "disks": [[{}]], "format_version": 2}""", 2)]
    [InlineData("""{"name": "x"}""", null)]
    public void The_version_is_read_before_the_rest(string json, int? version)
        => Assert.Equal(version, GuestManifestJson.ReadFormatVersion(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("format")]
    [InlineData("format_version")]
    [InlineData("name")]
    [InlineData("cpus")]
    [InlineData("memory_mib")]
    [InlineData("firmware")]
    [InlineData("disks")]
    [InlineData("nics")]
    [InlineData("tags")]
    [InlineData("native")]
    [InlineData("disks.0.device")]
    [InlineData("disks.0.bus")]
    [InlineData("disks.0.format")]
    [InlineData("disks.0.size_bytes")]
    [InlineData("disks.0.file")]
    [InlineData("disks.0.file_bytes")]
    [InlineData("disks.0.sha256")]
    [InlineData("nics.0.mac")]
    [InlineData("native.kind")]
    [InlineData("native.file")]
    public void A_missing_field_is_refused(string path)
    {
        var json = Node();
        var (parent, key) = Locate(json, path);
        parent.AsObject().Remove(key);
        Assert.Throws<InvalidArgumentException>(() => GuestManifestJson.Parse(Bytes(json)));
    }

    [Theory]
    [InlineData("cpus", "0")]
    [InlineData("cpus", "4097")]
    [InlineData("cpus", "1e300")]
    [InlineData("cpus", "2.5")]
    [InlineData("cpus", "\"2\"")]
    [InlineData("memory_mib", "-1")]
    [InlineData("memory_mib", "9223372036854775807")]
    [InlineData("memory_mib", "99999999999999999999999")]
    [InlineData("disks.0.size_bytes", "-1")]
    [InlineData("disks.0.size_bytes", "4611686018427387904")]
    [InlineData("disks.0.file_bytes", "1e300")]
    [InlineData("disks.0.file_bytes", "9223372036854775807")]
    [InlineData("format_version", "3")]
    [InlineData("format_version", "\"2\"")]
    [InlineData("format", "\"something-else\"")]
    [InlineData("name", "\"\"")]
    [InlineData("name", "\"a\\nb\"")]
    [InlineData("name", "null")]
    [InlineData("uuid", "\"not-a-uuid\"")]
    [InlineData("firmware", "\"coreboot\"")]
    [InlineData("arch", "\"../x\"")]
    [InlineData("disks", "null")]
    [InlineData("disks", "[null]")]
    [InlineData("nics", "[null]")]
    [InlineData("tags", "[\"\"]")]
    [InlineData("disks.0.device", "\"../vda\"")]
    [InlineData("disks.0.device", "\"\"")]
    [InlineData("disks.0.bus", "\"Virtio;rm\"")]
    [InlineData("disks.0.sha256", "\"zz\"")]
    [InlineData("nics.0.mac", "\"52:54:00:4a:1b\"")]
    [InlineData("nics.0.mac", "\"52-54-00-4a-1b-01\"")]
    [InlineData("native.kind", "\"Lib virt\"")]
    public void A_hostile_or_out_of_range_value_is_refused(string path, string raw)
    {
        var json = Node();
        var (parent, key) = Locate(json, path);
        var text = json.ToJsonString();
        // Raw text rather than a JsonNode, so that numbers no .NET type holds can be written.
        parent[key] = "__RAW__";
        var hostile = json.ToJsonString().Replace("\"__RAW__\"", raw, StringComparison.Ordinal);
        Assert.NotEqual(text, hostile);
        var error = Assert.Throws<InvalidArgumentException>(() => GuestManifestJson.Parse(Encoding.UTF8.GetBytes(hostile)));
        Assert.Contains("manifest.json", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("disks/../../etc/passwd")]
    [InlineData("disks/../manifest.json")]
    [InlineData("disks/a/b.qcow2")]
    [InlineData("disks/.hidden")]
    [InlineData("disks/")]
    [InlineData("disks\\vda.qcow2")]
    [InlineData("disks/vda.qcow2\u0000.txt")]
    [InlineData("vda.qcow2")]
    public void A_disk_file_outside_the_disk_folder_is_refused(string file)
    {
        var json = Node();
        json["disks"]![0]!["file"] = file;
        Assert.Throws<InvalidArgumentException>(() => GuestManifestJson.Parse(Bytes(json)));
    }

    [Theory]
    [InlineData("../domain.xml")]
    [InlineData("/etc/passwd")]
    [InlineData("disks/vda.qcow2")]
    [InlineData("manifest.json")]
    [InlineData("..")]
    public void A_native_file_that_is_not_a_plain_name_beside_the_manifest_is_refused(string file)
    {
        var json = Node();
        json["native"]!["file"] = file;
        Assert.Throws<InvalidArgumentException>(() => GuestManifestJson.Parse(Bytes(json)));
    }

    [Fact]
    public void Two_disks_with_one_device_or_one_file_are_refused()
    {
        var sameDevice = Sample() with { Disks = [Sample().Disks[0], Sample().Disks[0] with { File = "disks/vdb.qcow2" }] };
        Assert.Throws<InvalidArgumentException>(() => GuestManifestRules.Validate(sameDevice));
        var sameFile = Sample() with { Disks = [Sample().Disks[0], Sample().Disks[0] with { Device = "vdb" }] };
        Assert.Throws<InvalidArgumentException>(() => GuestManifestRules.Validate(sameFile));
        var sameMac = Sample() with { Nics = [Sample().Nics[0], Sample().Nics[0] with { Mac = Sample().Nics[0].Mac.ToUpperInvariant() }] };
        Assert.Throws<InvalidArgumentException>(() => GuestManifestRules.Validate(sameMac));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"manifest\"")]
    [InlineData("{")]
    [InlineData("{\"format_version\": 2")]
    public void Something_that_is_not_a_manifest_object_is_refused(string json)
        => Assert.Throws<InvalidArgumentException>(() => GuestManifestJson.Parse(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Deep_nesting_is_refused_without_recursing_into_it()
    {
        var deep = "{\"format_version\": 2, \"x\": " + new string('[', 10_000) + new string(']', 10_000) + "}";
        Assert.Throws<InvalidArgumentException>(() => GuestManifestJson.Parse(Encoding.UTF8.GetBytes(deep)));
    }

    [Fact]
    public void Too_many_disks_are_refused()
    {
        var many = Sample() with
        {
            Disks = [.. Enumerable.Range(0, GuestManifestRules.MaxItems + 1).Select(i => Sample().Disks[0] with { Device = $"d{i}", File = $"disks/d{i}.qcow2" })],
        };
        Assert.Throws<InvalidArgumentException>(() => GuestManifestRules.Validate(many));
    }

    private static JsonObject Node() => JsonNode.Parse(GuestManifestJson.Serialize(Sample()))!.AsObject();

    private static byte[] Bytes(JsonNode json) => Encoding.UTF8.GetBytes(json.ToJsonString());

    /// <summary>The parent node and key of a dotted path such as <c>disks.0.file</c>.</summary>
    private static (JsonNode Parent, string Key) Locate(JsonObject root, string path)
    {
        var parts = path.Split('.');
        JsonNode node = root;
        foreach (var part in parts[..^1])
        {
            node = int.TryParse(part, out var index) ? node[index]! : node[part]!;
        }

        return (node, parts[^1]);
    }
}
