using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;
using static Simplestack.Drivers.VSphere.Tests.Vcsim.VimSoap;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>Networks (port groups) on a vCenter vcsim: four hosts with vSwitch0, and the distributed switch DVS0.</summary>
public sealed class VSphereNetworkTests(VcsimVpxFixture vpx) : VSphereNetworkTestBase(vpx.Vcsim), IClassFixture<VcsimVpxFixture>
{
    [Fact]
    public async Task Standard_and_distributed_port_groups_are_listed_without_the_uplinks()
    {
        var networks = await Connection.ListNetworksAsync(Ct);

        var standard = Assert.Single(networks, n => n.Name == "VM Network");
        Assert.Equal(("VM Network", "vSwitch0", (int?)null, "", 0), (standard.Id, standard.Bridge, standard.Vlan, standard.Description, standard.OtherConfig.Count));
        var distributed = Assert.Single(networks, n => n.Name == "DC0_DVPG0");
        Assert.Equal("DVS0", distributed.Bridge);
        Assert.StartsWith("dvportgroup-", distributed.Uuid, StringComparison.Ordinal);
        Assert.DoesNotContain(networks, n => n.Name.Contains("DVUplinks", StringComparison.Ordinal));
        Assert.Equal(Shown(distributed), Shown(await Connection.GetNetworkAsync(distributed.Uuid, Ct)));
    }

    [Fact]
    public async Task A_distributed_port_group_in_use_is_409_and_a_standard_one_in_use_too()
    {
        // vcsim's default VMs have their NIC on DC0_DVPG0.
        await Assert.ThrowsAsync<ConflictException>(() => Connection.DeleteNetworkAsync("DC0_DVPG0", Ct));
        Assert.Contains(await Connection.ListNetworksAsync(Ct), n => n.Name == "DC0_DVPG0");

        var name = NetworkName();
        await Connection.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: "vSwitch0", Vlan: 7), Ct);
        Assert.Equal(7, (await Connection.GetNetworkAsync(name, Ct)).Vlan);
        var guest = await Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256, NetworkInterfaces: [new NicSpec(name)]), Ct);
        Assert.Equal(name, Assert.Single(await Connection.ListNetworkInterfacesAsync(guest.Id, Ct)).Network);

        await Assert.ThrowsAsync<ConflictException>(() => Connection.DeleteNetworkAsync(name, Ct));
        Assert.NotEmpty(Probe.HostPortGroups(name));
    }

    [Fact]
    public async Task A_network_from_a_distributed_switch_or_its_port_group_is_a_distributed_port_group_with_the_vlan()
    {
        var name = NetworkName();
        var created = await Connection.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: "DVS0", Vlan: 21), Ct);

        Assert.Equal((name, "DVS0", (int?)21), (created.Id, created.Bridge, created.Vlan));
        Assert.StartsWith("dvportgroup-", created.Uuid, StringComparison.Ordinal);
        Assert.Empty(Probe.HostPortGroups(name));
        Assert.NotNull(Probe.Network(name));

        var sibling = NetworkName();
        var plain = await Connection.CreateNetworkAsync(new NetworkCreateRequest(sibling, FromNetwork: "DC0_DVPG0"), Ct);
        Assert.Equal(("DVS0", (int?)null), (plain.Bridge, plain.Vlan));
        await Assert.ThrowsAsync<ConflictException>(() => Connection.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: "DVS0", Vlan: 22), Ct));

        await Connection.DeleteNetworkAsync(name, Ct);
        await Connection.DeleteNetworkAsync(sibling, Ct);
        Assert.Null(Probe.Network(name));
        Assert.Null(Probe.Network(sibling));
    }

    [Fact]
    public async Task A_distributed_port_group_reads_its_vlan_takes_a_nic_and_is_deleted_with_destroy_when_unused()
    {
        var name = NetworkName();
        Probe.AddDistributedPortGroup("DVS0", name, 12);

        var network = await Connection.GetNetworkAsync(name, Ct);
        Assert.Equal(("DVS0", (int?)12), (network.Bridge, network.Vlan));

        var guest = await Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256, NetworkInterfaces: [new NicSpec(name)]), Ct);
        var nic = Assert.Single(await Connection.ListNetworkInterfacesAsync(guest.Id, Ct));
        Assert.Equal((name, (int?)12), (nic.Network, nic.Vlan));
        await Assert.ThrowsAsync<ConflictException>(() => Connection.DeleteNetworkAsync(name, Ct));
        var rate = await Assert.ThrowsAsync<FeatureNotImplementedException>(() => Connection.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(RateLimitBitsPerSecond: 8192), Ct));
        Assert.Contains("distributed", rate.Message, StringComparison.Ordinal);

        await Connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);
        await Connection.DeleteNetworkAsync(network.Uuid, Ct);
        Assert.Null(Probe.Network(name));
    }
}

/// <summary>Networks on a standalone ESX vcsim: one host, vSwitch0 with "VM Network" and "Management Network".</summary>
public sealed class VSphereEsxNetworkTests(VcsimEsxFixture esx) : VSphereNetworkTestBase(esx.Vcsim), IClassFixture<VcsimEsxFixture>
{
    [Fact]
    public async Task A_vlan_port_group_is_added_to_the_host_s_vswitch_and_removed_again()
    {
        var name = NetworkName();

        var created = await Connection.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: "VM Network", Vlan: 42), Ct);

        Assert.Equal((name, "vSwitch0", (int?)42), (created.Id, created.Bridge, created.Vlan));
        var spec = Assert.Single(Probe.HostPortGroups(name));
        Assert.Equal(("42", "vSwitch0"), (spec.Element(Vim + "vlanId")!.Value, spec.Element(Vim + "vswitchName")!.Value));
        Assert.Equal(Shown(created), Shown(await Connection.GetNetworkAsync(name, Ct)));

        // A NIC on it reads the port group's VLAN from the VM's host.
        var guest = await Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256, NetworkInterfaces: [new NicSpec(name)]), Ct);
        var nic = Assert.Single(await Connection.ListNetworkInterfacesAsync(guest.Id, Ct));
        Assert.Equal((name, (int?)42), (nic.Network, nic.Vlan));
        await Connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);

        var plain = NetworkName();
        Assert.Null((await Connection.CreateNetworkAsync(new NetworkCreateRequest(plain, FromNetwork: "vSwitch0"), Ct)).Vlan);
        Assert.Equal("0", Assert.Single(Probe.HostPortGroups(plain)).Element(Vim + "vlanId")!.Value);

        await Connection.DeleteNetworkAsync(name, Ct);
        Assert.Empty(Probe.HostPortGroups(name));
        Assert.Null(Probe.Network(name));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.GetNetworkAsync(name, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.DeleteNetworkAsync(name, Ct));
    }

    [Fact]
    public async Task Bad_network_requests_are_refused_and_add_nothing()
    {
        var name = NetworkName();
        var before = await Connection.ListNetworksAsync(Ct);

        await Assert.ThrowsAsync<ConflictException>(() => Connection.CreateNetworkAsync(new NetworkCreateRequest("VM Network", FromNetwork: "vSwitch0", Vlan: 5), Ct));
        await Assert.ThrowsAsync<ConflictException>(() => Connection.CreateNetworkAsync(new NetworkCreateRequest("Management Network", FromNetwork: "vSwitch0"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: "vSwitch9", Vlan: 5), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateNetworkAsync(new NetworkCreateRequest(name, Vlan: 5), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateNetworkAsync(new NetworkCreateRequest("bad/name", FromNetwork: "vSwitch0"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateNetworkAsync(new NetworkCreateRequest(new string('n', 60), FromNetwork: "vSwitch0"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: "vSwitch0", Vlan: 4095), Ct));
        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => Connection.CreateNetworkAsync(new NetworkCreateRequest(name, "desc", "vSwitch0", 5), Ct));

        Assert.Equal(before.Select(Shown), (await Connection.ListNetworksAsync(Ct)).Select(Shown));
        Assert.Empty(Probe.HostPortGroups(name));
    }
}

/// <summary>A connection and a probe per test; the networks and guests a test names are deleted after it.</summary>
public abstract class VSphereNetworkTestBase(VcsimProcess vcsim) : IAsyncLifetime
{
    private readonly List<string> _networks = [];
    private readonly List<string> _guests = [];

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal VSphereConnection Connection { get; private set; } = null!;

    internal VcsimProbe Probe { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Connection = await VcsimConnection.OpenAsync(vcsim, cancellationToken: Ct);
        Probe = new VcsimProbe(vcsim);
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        foreach (var guest in _guests.Where(Probe.GuestExists))
        {
            await Connection.DeleteGuestAsync(guest, new GuestDeleteOptions(), CancellationToken.None);
        }

        foreach (var network in _networks)
        {
            try
            {
                await Connection.DeleteNetworkAsync(network, CancellationToken.None);
            }
            catch (EntityNotFoundException)
            {
                // Never made, or deleted by the test.
            }
        }

        await Connection.DisposeAsync();
        Probe.Dispose();
    }

    protected string NetworkName() => Remember(_networks, "ss-net");

    /// <summary>What a network answers, its other_config's entries included (records compare dictionaries by reference).</summary>
    protected static string Shown(Network network)
        => $"{network with { OtherConfig = new Dictionary<string, string>() }} other_config: {string.Join(",", network.OtherConfig)}";

    protected string GuestName() => Remember(_guests, "ss-vm");

    private static string Remember(List<string> names, string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        names.Add(name);
        return name;
    }
}
