using System.Net;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Tests.Unit;

public class HostParserTests
{
    [Theory]
    [InlineData("default", "default", HostKind.Name, null)]
    [InlineData("localhost", "localhost", HostKind.Name, null)]
    [InlineData("KVM1.Lab.Example", "kvm1.lab.example", HostKind.Name, null)]
    [InlineData("kvm1.lab.example:16509", "kvm1.lab.example", HostKind.Name, 16509)]
    [InlineData("10.0.0.1", "10.0.0.1", HostKind.IPv4, null)]
    [InlineData("10.0.0.1:22", "10.0.0.1", HostKind.IPv4, 22)]
    [InlineData("[::1]", "::1", HostKind.IPv6, null)]
    [InlineData("[2001:DB8::1]:16509", "2001:db8::1", HostKind.IPv6, 16509)]
    [InlineData("[::ffff:10.0.0.1]", "::ffff:10.0.0.1", HostKind.IPv6, null)]
    [InlineData("a-b.c", "a-b.c", HostKind.Name, null)]
    public void Parses_valid_hosts(string value, string host, HostKind kind, int? port)
    {
        Assert.True(HostParser.TryParse(value, out var parsed, out var error), error);
        Assert.Equal(host, parsed!.Host);
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(kind != HostKind.Name, parsed.Address is not null);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("bad_host")]
    [InlineData("user@host")]
    [InlineData("-leading.example")]
    [InlineData("trailing-.example")]
    [InlineData("a..b")]
    [InlineData("host:")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:+22")]
    [InlineData("host:22:33")]
    [InlineData("::1")]
    [InlineData("2001:db8::1")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData("[10.0.0.1]")]
    [InlineData("[fe80::1%eth0]")]
    [InlineData("256.0.0.1")]
    [InlineData("010.0.0.1")]
    [InlineData("10.0.1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("127.1")]
    [InlineData("host/path")]
    [InlineData("host%2Fpath")]
    public void Refuses_invalid_hosts(string value)
    {
        Assert.False(HostParser.TryParse(value, out var parsed, out var error));
        Assert.Null(parsed);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void A_label_longer_than_63_is_refused()
        => Assert.False(HostParser.TryParse(new string('a', 64) + ".example", out _, out _));

    [Fact]
    public void ToString_puts_IPv6_back_in_brackets()
    {
        Assert.True(HostParser.TryParse("[::1]:16509", out var parsed, out _));
        Assert.Equal("[::1]:16509", parsed!.ToString());
        Assert.Equal(IPAddress.IPv6Loopback, parsed.Address);
    }
}
