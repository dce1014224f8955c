using Simplestack.Server.Targets;

namespace Simplestack.Server.Tests.Unit;

public class AllowListTests
{
    private static ParsedHost Host(string value)
    {
        Assert.True(HostParser.TryParse(value, out var host, out var error), error);
        return host!;
    }

    private static bool Allowed(string hypervisor, string host, params string[] entries)
        => AllowList.Parse(entries, w => w == "qemu" ? "kvm" : w).IsAllowed(hypervisor, Host(host));

    [Fact]
    public void Defaults_allow_the_test_hypervisor_and_local_sockets_only()
    {
        var list = AllowList.Parse(AllowList.Defaults, w => w == "qemu" ? "kvm" : w);
        Assert.True(list.IsAllowed("test", Host("default")));
        Assert.True(list.IsAllowed("kvm", Host("localhost")));
        Assert.True(list.IsAllowed("lxc", Host("localhost")));
        Assert.False(list.IsAllowed("kvm", Host("10.0.0.1")));
        Assert.False(list.IsAllowed("kvm", Host("localhost:16509")));
        Assert.False(list.IsAllowed("test", Host("localhost")));
        Assert.False(list.IsAllowed("xen", Host("localhost")));
    }

    [Fact]
    public void Exact_names_ignore_case()
    {
        Assert.True(Allowed("kvm", "KVM1.lab.example", "kvm/kvm1.LAB.example"));
        Assert.False(Allowed("kvm", "kvm2.lab.example", "kvm/kvm1.lab.example"));
    }

    [Fact]
    public void Hypervisor_must_match_and_aliases_count_as_their_driver()
    {
        Assert.False(Allowed("lxc", "localhost", "kvm/localhost"));
        Assert.True(Allowed("kvm", "localhost", "qemu/localhost"));
        Assert.True(Allowed("lxc", "localhost", "*/localhost"));
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("10.255.255.255", true)]
    [InlineData("11.0.0.1", false)]
    [InlineData("9.255.255.255", false)]
    [InlineData("ten.example", false)]
    [InlineData("[::ffff:10.0.0.1]", false)]
    public void Ipv4_cidr(string host, bool allowed)
        => Assert.Equal(allowed, Allowed("kvm", host, "kvm/10.0.0.0/8"));

    [Theory]
    [InlineData("192.168.1.129", "192.168.1.128/25", true)]
    [InlineData("192.168.1.127", "192.168.1.128/25", false)]
    [InlineData("192.168.1.5", "192.168.1.5/32", true)]
    [InlineData("8.8.8.8", "0.0.0.0/0", true)]
    [InlineData("10.1.2.3", "10.0.0.0/15", true)]
    [InlineData("10.2.2.3", "10.0.0.0/15", false)]
    public void Cidr_prefixes_that_are_not_byte_aligned(string host, string block, bool allowed)
        => Assert.Equal(allowed, Allowed("kvm", host, "kvm/" + block));

    [Theory]
    [InlineData("[fd00::1]", true)]
    [InlineData("[fdff:ffff::1]", true)]
    [InlineData("[fe80::1]", false)]
    [InlineData("10.0.0.1", false)]
    public void Ipv6_cidr(string host, bool allowed)
    {
        Assert.Equal(allowed, Allowed("kvm", host, "kvm/[fd00::]/8"));
        Assert.Equal(allowed, Allowed("kvm", host, "kvm/fd00::/8"));
    }

    [Fact]
    public void Address_entries_match_the_address_in_any_spelling()
    {
        Assert.True(Allowed("kvm", "[2001:db8:0:0::1]", "kvm/[2001:db8::1]"));
        Assert.True(Allowed("kvm", "10.0.0.1", "kvm/10.0.0.1"));
        Assert.False(Allowed("kvm", "10.0.0.2", "kvm/10.0.0.1"));
    }

    [Theory]
    [InlineData("a.lab.example:16509", true)]
    [InlineData("a.b.lab.example:16509", true)]
    [InlineData("lab.example:16509", false)]
    [InlineData("evil-lab.example:16509", false)]
    [InlineData("a.lab.example", false)]
    [InlineData("a.lab.example:22", false)]
    public void Wildcards_with_a_port(string host, bool allowed)
        => Assert.Equal(allowed, Allowed("kvm", host, "kvm/*.lab.example:16509"));

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("localhost:16509", true)]
    [InlineData("localhost:22", true)]
    public void Any_port(string host, bool allowed)
        => Assert.Equal(allowed, Allowed("kvm", host, "kvm/localhost:*"));

    [Fact]
    public void An_entry_without_a_port_matches_only_urls_without_one()
    {
        Assert.True(Allowed("kvm", "10.0.0.1", "kvm/10.0.0.0/8"));
        Assert.False(Allowed("kvm", "10.0.0.1:16509", "kvm/10.0.0.0/8"));
        Assert.True(Allowed("kvm", "10.0.0.1:16509", "kvm/10.0.0.0/8:16509"));
        Assert.True(Allowed("kvm", "[fd00::1]:16509", "kvm/[fd00::]/8:16509"));
    }

    [Fact]
    public void Star_host_matches_every_host()
    {
        Assert.True(Allowed("xen", "10.0.0.1", "xen/*"));
        Assert.True(Allowed("xen", "pool.example", "xen/*"));
        Assert.False(Allowed("xen", "pool.example:443", "xen/*"));
        Assert.True(Allowed("xen", "pool.example:443", "xen/*:*"));
    }

    [Fact]
    public void An_empty_list_allows_nothing()
        => Assert.False(AllowList.Parse([]).IsAllowed("test", Host("default")));

    [Theory]
    [InlineData("")]
    [InlineData("kvm")]
    [InlineData("kvm/")]
    [InlineData("/localhost")]
    [InlineData("kvm/10.0.0.0/33")]
    [InlineData("kvm/10.0.0.0/x")]
    [InlineData("kvm/not-an-ip/8")]
    [InlineData("kvm/host:0")]
    [InlineData("kvm/host:abc")]
    [InlineData("kvm/bad_name")]
    [InlineData("kvm/*.")]
    [InlineData("kvm/fd00::1")]
    [InlineData("kvm/fd00::/8:16509")]
    [InlineData("kvm/[fd00::1")]
    [InlineData("kvm/999.0.0.1")]
    public void Invalid_entries_are_refused_with_their_text(string entry)
    {
        var error = Assert.Throws<FormatException>(() => AllowList.Parse([entry]));
        Assert.Contains($"'{entry}'", error.Message, StringComparison.Ordinal);
    }
}
