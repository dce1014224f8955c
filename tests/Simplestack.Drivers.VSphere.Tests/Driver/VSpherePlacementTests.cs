using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>
/// Where a new guest goes in a vCenter: the body's <c>placement</c>, else the configured one, else
/// the first datacenter, compute resource and datastore by name; names that do not exist are
/// refused before anything is made. Checked in vcsim by the probe (the VM's pool, folder, datastores).
/// </summary>
public sealed class VSpherePlacementTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>, IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly VcsimProbe _probe = new(vpx.Vcsim);

    public void Dispose() => _probe.Dispose();

    [Fact]
    public async Task Without_placement_a_guest_goes_to_the_first_compute_resource_by_name_and_its_root_pool()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var name = NewName();
        var guest = await connection.CreateGuestAsync(new GuestCreateRequest(name, 256, Disks: [new DiskSpec(1)]), Ct);
        try
        {
            // DC0_C0 (the cluster) sorts before DC0_H0 (the standalone host); a root pool is named "Resources".
            Assert.Equal(("Resources", "vm"), (_probe.WhereIs(name).Pool, _probe.WhereIs(name).Folder));
            Assert.StartsWith("DC0_C0_H", guest.Host, StringComparison.Ordinal);
        }
        finally
        {
            await connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);
        }
    }

    [Fact]
    public async Task The_body_names_the_cluster_pool_and_folder()
    {
        var (pool, folder) = ($"pool-{Guid.NewGuid():N}"[..12], $"team-{Guid.NewGuid():N}"[..12]);
        _probe.CreateResourcePool("DC0_C0", pool);
        _probe.CreateVmFolder(folder);
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var name = NewName();

        var guest = await connection.CreateGuestAsync(new GuestCreateRequest(name, 256, Disks: [new DiskSpec(1)],
            Placement: new PlacementSpec(Datacenter: "DC0", Cluster: "DC0_C0", ResourcePool: pool, Folder: folder)), Ct);
        try
        {
            var where = _probe.WhereIs(name);
            Assert.Equal((pool, folder), (where.Pool, where.Folder));
            Assert.Equal(["LocalDS_0"], where.Datastores);
        }
        finally
        {
            await connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);
        }
    }

    [Fact]
    public async Task A_standalone_host_is_a_cluster_for_placement_and_the_configuration_applies_when_the_body_is_silent()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct,
            configure: options => options.Placement.Cluster = "DC0_H0");
        var name = NewName();
        var guest = await connection.CreateGuestAsync(new GuestCreateRequest(name, 256), Ct);
        try
        {
            Assert.Equal("DC0_H0", guest.Host);
        }
        finally
        {
            await connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);
        }

        // The body wins over the configuration.
        var other = await connection.CreateGuestAsync(new GuestCreateRequest(name, 256, Placement: new PlacementSpec(Cluster: "DC0_C0")), Ct);
        try
        {
            Assert.StartsWith("DC0_C0_H", other.Host, StringComparison.Ordinal);
        }
        finally
        {
            await connection.DeleteGuestAsync(other.Id, new GuestDeleteOptions(), Ct);
        }
    }

    [Theory]
    [InlineData("NoSuchDC", null, null, null, "placement.datacenter 'NoSuchDC' does not exist")]
    [InlineData(null, "NoSuchCluster", null, null, "placement.cluster 'NoSuchCluster' does not exist")]
    [InlineData(null, "DC0_H0", "NoSuchPool", null, "placement.resource_pool 'NoSuchPool' does not exist there")]
    [InlineData(null, null, null, "no/such/folder", "placement.folder 'no/such/folder' is not a VM folder")]
    public async Task A_body_placement_that_names_nothing_is_400_and_makes_nothing(string? datacenter, string? cluster, string? pool, string? folder, string message)
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var before = _probe.VmNames();

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => connection.CreateGuestAsync(
            new GuestCreateRequest(NewName(), 256, Disks: [new DiskSpec(1)], Placement: new PlacementSpec(datacenter, cluster, pool, folder)), Ct));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Order(), _probe.VmNames().Order());
    }

    [Fact]
    public async Task A_configured_placement_that_names_nothing_is_502_naming_the_setting()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct,
            configure: options => options.Placement.ResourcePool = "NoSuchPool");
        var before = _probe.VmNames();

        var error = await Assert.ThrowsAsync<HypervisorErrorException>(() => connection.CreateGuestAsync(new GuestCreateRequest(NewName(), 256), Ct));

        Assert.Contains("Simplestack:VSphere:Placement:ResourcePool", error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Order(), _probe.VmNames().Order());
    }

    private static string NewName() => $"ss-place-{Guid.NewGuid():N}"[..16];
}
