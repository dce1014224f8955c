using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Xunit;

namespace Simplestack.Drivers.Libvirt.Tests.Xml;

public sealed class LibvirtNamesTests
{
    public static TheoryData<string> RejectedNames => new()
    {
        "",
        ".",
        "..",
        "a/b",
        "/",
        "x</name><memory>1</memory>",
        "line\nbreak",
        "carriage\rreturn",
        "tab\there",
        "nul\0byte",
        "bell\u0007",
        "del\u007f",
        "c1\u0085",
        "lone\uD800surrogate",
        "\uFFFE",
    };

    [Theory]
    [MemberData(nameof(RejectedNames))]
    public void Rejected_names_are_invalid_arguments(string name)
    {
        foreach (var kind in new[] { "guest", "network", "volume", "snapshot" })
        {
            var e = Assert.Throws<InvalidArgumentException>(() => LibvirtNames.ValidateName(kind, name));
            Assert.Equal(ErrorKind.InvalidArguments, e.Kind);
            Assert.Contains(kind, e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("web1")]
    [InlineData("gäst-名前")]
    [InlineData("a'b\"c<d>e&f]]>g")]
    [InlineData("with spaces")]
    [InlineData("...")]
    [InlineData(".hidden")]
    [InlineData("emoji-😀")]
    [InlineData("back\\slash")]
    public void Accepted_names(string name)
    {
        foreach (var kind in new[] { "guest", "network", "volume", "snapshot" })
        {
            LibvirtNames.ValidateName(kind, name);
        }
    }

    [Fact]
    public void Length_limits()
    {
        LibvirtNames.ValidateName("guest", new string('g', 200));
        Assert.Throws<InvalidArgumentException>(() => LibvirtNames.ValidateName("guest", new string('g', 201)));
        LibvirtNames.ValidateName("network", new string('n', 64));
        Assert.Throws<InvalidArgumentException>(() => LibvirtNames.ValidateName("network", new string('n', 65)));
        LibvirtNames.ValidateName("volume", new string('v', 255));
        Assert.Throws<InvalidArgumentException>(() => LibvirtNames.ValidateName("volume", new string('v', 256)));
    }

    [Fact]
    public void Builders_validate_names()
    {
        Assert.Throws<InvalidArgumentException>(() => DomainXml.Build(new DomainDefinition("a\nb", "test", 1024, 1)));
        Assert.Throws<InvalidArgumentException>(() => NetworkXml.Build(new NetworkDefinition("", "nat")));
        Assert.Throws<InvalidArgumentException>(() => VolumeXml.Build(new VolumeDefinition("../etc", 1, "raw")));
        Assert.Throws<InvalidArgumentException>(() => SnapshotXml.Build("a\tb", null));
    }
}
