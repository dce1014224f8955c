using System.Net;
using Simplestack.Core;

namespace Simplestack.Server.Tests.Http;

public class PoolHostsStoragesTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task Pool_information()
    {
        var pool = await Client.GetAsync<PoolInfo>(Base);
        Assert.True(pool.TotalMemory > 0);
        Assert.InRange(pool.UsedMemory, 0, pool.TotalMemory);
        Assert.False(string.IsNullOrEmpty(pool.SoftwareInfo.Version));

        var libvirt = await LibvirtAsync();
        Assert.Equal((long)(libvirt.GetNodeInfo().MemoryKiB / 1024), pool.TotalMemory);
    }

    [Fact]
    public async Task Pool_answers_with_a_trailing_slash_too()
        => await (await Client.GetAsync($"{Base}/", Ct)).ShouldBeAsync(HttpStatusCode.OK);

    [Fact]
    public async Task Hosts_and_a_host_by_id()
    {
        var hosts = await Client.GetAsync<List<HostInfo>>($"{Base}/hosts");
        var host = Assert.Single(hosts);
        Assert.True(host.Cpus > 0);
        Assert.Equal(host.Id, (await Client.GetAsync<HostInfo>($"{Base}/hosts/{host.Id}")).Id);
    }

    [Fact]
    public async Task Unknown_host_is_404()
        => await (await Client.GetAsync($"{Base}/hosts/no-such-host", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");

    [Fact]
    public async Task Storages_by_uuid_and_by_name()
    {
        var storages = await Client.GetAsync<List<StorageInfo>>($"{Base}/storages");
        var storage = Assert.Single(storages, s => s.Name == "default-pool");
        Assert.Equal(storage.Id, (await Client.GetAsync<StorageInfo>($"{Base}/storages/{storage.Id}")).Id);
        Assert.Equal(storage.Id, (await Client.GetAsync<StorageInfo>($"{Base}/storages/default-pool")).Id);
        Assert.Equal(storage.SizeBytes / (double)(1L << 30), storage.Size, 3);

        var libvirt = await LibvirtAsync();
        using var native = libvirt.TryLookupStoragePoolByName("default-pool");
        Assert.Equal(storage.Id, native!.Uuid);
    }

    [Fact]
    public async Task Unknown_storage_is_404()
        => await (await Client.GetAsync($"{Base}/storages/no-such-pool", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
}
