using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>The driver's reads against a vCenter vcsim, checked against what vcsim's default model holds.</summary>
public sealed class VSphereReadTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Guests_are_the_four_vms_with_their_uuids_states_and_hosts()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var guests = await connection.ListGuestsAsync(Ct);

        Assert.Equal(["DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1"], guests.Select(g => g.Name));
        Assert.All(guests, g =>
        {
            Assert.True(Guid.TryParse(g.Id, out _), g.Id);
            Assert.Equal(GuestState.STARTED, g.State);
            Assert.Equal("poweredOn", g.StateDetail);
            Assert.True(g.Cpus > 0);
            Assert.True(g.Memory > 0);
            Assert.False(string.IsNullOrEmpty(g.Host));
        });
        var one = guests[2];
        Assert.Equal(one, await connection.GetGuestAsync(one.Id, Ct));
        Assert.Equal(one, await connection.GetGuestAsync(one.Name, Ct));
    }

    [Fact]
    public async Task Pool_hosts_and_datastores_are_read()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var pool = await connection.GetPoolInfoAsync(Ct);
        var hosts = await connection.ListHostsAsync(Ct);
        var storages = await connection.ListStoragesAsync(Ct);

        Assert.Equal("6.5.0", pool.SoftwareInfo.Version);
        Assert.Contains("VMware vCenter Server", pool.SoftwareInfo.LibraryVersion, StringComparison.Ordinal);
        Assert.True(pool.TotalMemory > 0);
        Assert.Equal(4, hosts.Count); // DC0_H0 and the cluster's three.
        Assert.Equal("LocalDS_0", Assert.Single(storages).Name);
        Assert.True(storages[0].SizeBytes > 0);
    }
}
