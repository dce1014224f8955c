using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Xunit;

namespace Simplestack.Drivers.Libvirt.Tests.Xml;

/// <summary>Values are data, never markup: whatever they hold comes back unchanged and alone.</summary>
public sealed class HostileInputTests
{
    private const string Injection = "x</name><memory>1</memory>";
    private const string Nasty = "a'b\"c<d>e&f]]>g gäst-名前 &amp; <!-- c --> <![CDATA[z]]>";

    public static TheoryData<string> HostileNames => new()
    {
        "gäst-名前",
        "x<name><memory>1<memory>",
        "a'b\"c<d>e&f]]>g",
        "&amp;&lt;",
        "web 1 ",
        "<![CDATA[x]]>",
        "emoji-😀",
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Hostile_guest_names_round_trip(string name)
    {
        LibvirtNames.ValidateName("guest", name);
        var xml = DomainXml.Build(Samples.TestDomain() with { Name = name });
        var root = XmlAssert.WellFormed(xml);
        Assert.Single(root.Elements("name"));
        Assert.Single(root.Elements("memory"));
        var parsed = DomainDescription.Parse(xml);
        Assert.Equal(name, parsed.Name);
        Assert.Equal(1048576, parsed.MemoryKiB);
        Assert.Equal(name, DomainDescription.Parse(DomainXml.WithName(DomainXml.Build(Samples.TestDomain()), name)).Name);
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Hostile_names_for_networks_volumes_and_snapshots_round_trip(string name)
    {
        Assert.Equal(name, NetworkDescription.Parse(NetworkXml.Build(new NetworkDefinition(name, "isolated") { Description = name })).Name);
        Assert.Equal(name, VolumeDescription.Parse(VolumeXml.Build(new VolumeDefinition(name, 1, "raw"))).Name);
        Assert.Equal(name, SnapshotDescription.Parse(SnapshotXml.Build(name, name)).Name);
    }

    [Fact]
    public void Injection_through_a_name_is_refused_and_through_other_values_is_inert()
    {
        // The classic payload carries '/', which names may not hold at all.
        Assert.Throws<InvalidArgumentException>(() => DomainXml.Build(Samples.TestDomain() with { Name = Injection }));

        var definition = Samples.TestDomain() with
        {
            Description = Injection,
            Tags = [Injection, Nasty],
            Kernel = new KernelBoot("/boot/vmlinuz'\"&<>", Injection, "console=ttyS0 a=\"b\" c='d' && e<f ]]>"),
            Disks = [new DiskDefinition("vda", "virtio", new FileDiskSource("/images/" + Nasty)) { Serial = Injection }],
            Interfaces = [new InterfaceDefinition("network", Nasty) { Mac = "52:54:00:00:00:01", PortGroup = Injection }],
            Filesystems = [new FilesystemDefinition("/srv/" + Nasty, "/mnt/'\"")],
        };
        var xml = DomainXml.Build(definition);
        var root = XmlAssert.WellFormed(xml);
        Assert.Single(root.Elements("memory"));
        Assert.Single(root.Elements("name"));
        Assert.Single(root.Element("devices")!.Elements("disk"));

        var parsed = DomainDescription.Parse(xml);
        Assert.Equal("t1", parsed.Name);
        Assert.Equal(1048576, parsed.MemoryKiB);
        Assert.Equal(Injection, parsed.Description);
        Assert.Equal([Injection, Nasty], parsed.Tags);
        Assert.Equal(definition.Kernel, parsed.Kernel);
        Assert.Equal("/images/" + Nasty, parsed.Disks[0].SourceFile);
        Assert.Equal(Injection, parsed.Disks[0].Serial);
        Assert.Equal(Nasty, parsed.Interfaces[0].Network);
        Assert.Equal(Injection, parsed.Interfaces[0].PortGroup);
        Assert.Equal(definition.Filesystems, parsed.Filesystems);
    }

    [Fact]
    public void Edits_escape_their_values_too()
    {
        var xml = DomainXml.Build(Samples.TestDomain());
        xml = DomainXml.WithDiskSource(xml, "vda", "/images/" + Nasty);
        xml = DomainXml.WithTags(xml, [Injection]);
        xml = DomainXml.WithInterfaceChanges(xml, "52:54:00:00:00:01", Nasty, null, false, Injection);
        xml = DomainXml.WithDisk(xml, new DiskDefinition("vdb", "virtio", new FileDiskSource(Injection)));
        var parsed = DomainDescription.Parse(xml);
        Assert.Equal("/images/" + Nasty, parsed.Disks[0].SourceFile);
        Assert.Equal(Injection, parsed.Disks[1].SourceFile);
        Assert.Equal([Injection], parsed.Tags);
        Assert.Equal(Nasty, parsed.Interfaces[0].Network);
        Assert.Equal(Injection, parsed.Interfaces[0].Model);
        Assert.Equal(1048576, parsed.MemoryKiB);
    }

    [Fact]
    public void Whitespace_and_line_breaks_in_values_survive()
    {
        const string text = "  line one\r\nline two\n\ttabbed\rend  ";
        var parsed = DomainDescription.Parse(DomainXml.Build(Samples.TestDomain() with
        {
            Description = text,
            Tags = [text, " "],
            Kernel = new KernelBoot("/k", null, text),
        }));
        Assert.Equal(text, parsed.Description);
        Assert.Equal([text, " "], parsed.Tags);
        Assert.Equal(text, parsed.Kernel!.Cmdline);

        var network = NetworkDescription.Parse(NetworkXml.Build(new NetworkDefinition("n", "isolated")
        {
            Description = text,
            OtherConfig = new Dictionary<string, string> { [text] = text },
        }));
        Assert.Equal(text, network.Description);
        Assert.Equal(text, network.OtherConfig[text]);
        Assert.Equal(text, SnapshotDescription.Parse(SnapshotXml.Build("s", text)).Description);
    }

    [Fact]
    public void Characters_xml_cannot_carry_are_refused_not_written()
    {
        Assert.Throws<InvalidArgumentException>(() => DomainXml.Build(Samples.TestDomain() with { Description = "a\0b" }));
        Assert.Throws<InvalidArgumentException>(() => DomainXml.Build(Samples.TestDomain() with { Tags = ["\u0001"] }));
        Assert.Throws<InvalidArgumentException>(() => SnapshotXml.Build("s", "\uD800"));
        Assert.Throws<InvalidArgumentException>(() => TagsMetadata.Build(["\u001b[31m"]));
    }

    [Fact]
    public void Xml_entities_are_not_expanded_on_parse()
    {
        const string billionLaughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <domain><name>&lol2;</name></domain>
            """;
        Assert.Throws<FormatException>(() => DomainDescription.Parse(billionLaughs));

        const string external = """<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]><domain><name>&x;</name></domain>""";
        Assert.Throws<FormatException>(() => DomainDescription.Parse(external));
    }

    [Fact]
    public void Parsed_text_is_the_unescaped_value()
    {
        var parsed = DomainDescription.Parse("<domain><name>a&amp;b&lt;c&gt;&#x540D;</name><description><![CDATA[<raw> & ]]></description></domain>");
        Assert.Equal("a&b<c>名", parsed.Name);
        Assert.Equal("<raw> & ", parsed.Description);
    }

    [Fact]
    public void Output_never_contains_raw_markup_from_values()
    {
        var xml = DomainXml.Build(Samples.TestDomain() with { Description = "<evil/>" });
        Assert.DoesNotContain("<evil/>", xml, StringComparison.Ordinal);
        Assert.Empty(XElement.Parse(xml).Descendants("evil"));
    }
}
