namespace Simplestack.Libvirt.Tests;

public sealed class NetworkAndStorageTests
{
    [Fact]
    public void Default_network_is_listed_and_active()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        var networks = conn.ListAllNetworks();
        var net = Assert.Single(networks);
        Assert.Equal("default", net.Name);
        Assert.True(net.IsActive);
        Assert.True(net.IsPersistent);
        Assert.Equal("virbr0", net.BridgeName);
        Assert.Contains("<name>default</name>", net.GetXmlDesc(), StringComparison.Ordinal);
        using var byUuid = conn.TryLookupNetworkByUuid(net.Uuid);
        Assert.Equal("default", byUuid?.Name);
        Assert.Null(conn.TryLookupNetworkByName("nope"));
        Assert.Null(conn.TryLookupNetworkByUuid(Guid.NewGuid().ToString()));
        // The test driver has no DHCP leases API; the call must fail cleanly with libvirt's code.
        var leases = Assert.Throws<LibvirtException>(() => net.GetDhcpLeases());
        Assert.Equal(LibvirtErrorCode.NoSupport, leases.Code);
        net.Dispose();
    }

    [Fact]
    public void Network_define_start_destroy_undefine()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        var name = "n" + Guid.NewGuid().ToString("N")[..8];
        using var net = conn.DefineNetwork(
            $"<network><name>{name}</name><bridge name='br{name[1..6]}'/><ip address='10.99.0.1' netmask='255.255.255.0'/></network>");
        Assert.False(net.IsActive);
        net.Start();
        Assert.True(net.IsActive);
        net.Autostart = true;
        Assert.True(net.Autostart);
        net.Destroy();
        Assert.False(net.IsActive);
        net.Undefine();
        Assert.Null(conn.TryLookupNetworkByName(name));
    }

    [Fact]
    public void Default_pool_volume_create_and_delete()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        var pools = conn.ListAllStoragePools();
        var pool = Assert.Single(pools);
        Assert.Equal("default-pool", pool.Name);
        Assert.True(pool.IsActive);
        Assert.Equal(StoragePoolState.Running, pool.GetInfo().State);
        Assert.Contains("<name>default-pool</name>", pool.GetXmlDesc(), StringComparison.Ordinal);
        using (var byUuid = conn.TryLookupStoragePoolByUuid(pool.Uuid))
        {
            Assert.Equal("default-pool", byUuid?.Name);
        }

        Assert.Null(conn.TryLookupStoragePoolByName("nope"));

        var before = pool.ListAllVolumes().Count;
        using var vol = pool.CreateVolume("<volume><name>disk1.img</name><capacity unit='MiB'>10</capacity></volume>");
        Assert.Equal("disk1.img", vol.Name);
        Assert.Equal(10ul * 1024 * 1024, vol.GetInfo().Capacity);
        Assert.False(string.IsNullOrEmpty(vol.Key));
        Assert.Contains("disk1.img", vol.Path, StringComparison.Ordinal);
        Assert.Contains("<name>disk1.img</name>", vol.GetXmlDesc(), StringComparison.Ordinal);
        Assert.Equal(before + 1, pool.ListAllVolumes().Count);

        using (var byPath = conn.TryLookupStorageVolumeByPath(vol.Path))
        {
            Assert.Equal("disk1.img", byPath?.Name);
        }

        using (var clone = pool.CreateVolumeFrom("<volume><name>disk2.img</name><capacity unit='MiB'>10</capacity></volume>", vol))
        {
            Assert.Equal("disk2.img", clone.Name);
            clone.Delete();
        }

        Assert.Equal(LibvirtErrorCode.NoSupport, Assert.Throws<LibvirtException>(() => vol.Resize(20ul * 1024 * 1024)).Code);

        vol.Delete();
        Assert.Null(pool.TryLookupVolumeByName("disk1.img"));
        Assert.Null(conn.TryLookupStorageVolumeByPath("/no/such/path"));
        pool.Refresh();
        pool.Dispose();
    }

    [Fact]
    public void Stream_can_be_created_and_aborted()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var stream = conn.NewStream();
        Assert.Same(conn, stream.Connection);
    }
}
