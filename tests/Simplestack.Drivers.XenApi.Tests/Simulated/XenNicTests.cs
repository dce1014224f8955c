extern alias XenSimulator;

using Simplestack.Core;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>What the xen driver does to VIFs beyond the shared suite: live plug and unplug, VIF.move, QoS, clone MACs.</summary>
public sealed class XenNicTests : SimulatedXenTest
{
    private const string Eth0 = "Pool-wide network associated with eth0";
    private const string Internal = "Host internal management network";

    /// <summary>The simulator's VIF with this MAC (its store, not the driver).</summary>
    private IReadOnlyDictionary<string, object?> Vif(string mac)
        => Simulator.Uuids("VIF").Select(uuid => Simulator.Record("VIF", uuid)!)
            .Single(vif => string.Equals((string)vif["MAC"]!, mac, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task A_nic_added_to_a_running_guest_is_plugged_on_the_next_device_and_unplugged_before_it_goes()
    {
        var nic = await Xen.CreateNetworkInterfaceAsync("web-01", new NicCreateRequest(Eth0), Ct);

        Assert.Equal(1, nic.Number); // web-01 has device 0 already.
        Assert.Equal(true, Vif(nic.Mac)["currently_attached"]);
        Assert.Equal(2, (await Xen.ListNetworkInterfacesAsync("web-01", Ct)).Count);

        await Xen.DeleteNetworkInterfaceAsync("web-01", nic.Id.ToUpperInvariant().Replace(':', '-'), Ct);
        Assert.Single(await Xen.ListNetworkInterfacesAsync("web-01", Ct));
        Assert.DoesNotContain(Simulator.Uuids("VIF"), uuid => (string)Simulator.Record("VIF", uuid)!["MAC"]! == nic.Mac);
    }

    [Fact]
    public async Task A_network_change_moves_the_same_vif_and_a_rate_limit_is_ratelimit_qos_in_kibibytes()
    {
        var nic = await Xen.CreateNetworkInterfaceAsync("build-01", new NicCreateRequest(Eth0, Mac: "02:00:00:00:00:2A"), Ct);
        var uuid = (string)Vif(nic.Mac)["uuid"]!;

        var moved = await Xen.UpdateNetworkInterfaceAsync("build-01", nic.Id, new NicUpdateRequest(Network: Internal, RateLimitBitsPerSecond: 1_000_000), Ct);

        Assert.Equal(Internal, moved.Network);
        Assert.Equal((nic.Id, nic.Number), (moved.Id, moved.Number));
        var vif = Vif(nic.Mac);
        Assert.Equal(uuid, vif["uuid"]); // Moved in place, never destroyed and made again.
        Assert.Equal("ratelimit", vif["qos_algorithm_type"]);
        Assert.Equal("122", ((IReadOnlyDictionary<string, object?>)vif["qos_algorithm_params"]!)["kbps"]); // 1,000,000 / 8192
        Assert.Equal(new RateLimit("122"), moved.RateLimit);

        var unlimited = await Xen.UpdateNetworkInterfaceAsync("build-01", nic.Id, new NicUpdateRequest(RemoveRateLimit: true), Ct);
        Assert.Null(unlimited.RateLimit);
        Assert.Equal("", Vif(nic.Mac)["qos_algorithm_type"]);
    }

    [Fact]
    public async Task A_model_is_not_available_and_a_bad_mac_at_create_makes_nothing()
    {
        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => Xen.CreateNetworkInterfaceAsync("build-01", new NicCreateRequest(Eth0, Model: "e1000"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Xen.CreateNetworkInterfaceAsync("build-01", new NicCreateRequest(Eth0, Mac: "01:00:00:00:00:01"), Ct)); // multicast
        Assert.Single(await Xen.ListNetworkInterfacesAsync("build-01", Ct));

        var vms = Simulator.Uuids("VM").Count;
        var request = new GuestCreateRequest("bad-mac", 1024, Image: "Debian Bookworm 12", NetworkInterfaces: [new NicSpec(Eth0, Mac: "zz")]);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Xen.CreateGuestAsync(request, Ct));
        Assert.Equal(vms, Simulator.Uuids("VM").Count);
    }

    [Fact]
    public async Task A_clone_gets_new_macs_even_for_macs_that_were_given()
    {
        var nic = await Xen.CreateNetworkInterfaceAsync("build-01", new NicCreateRequest(Eth0, Mac: "02:00:00:00:00:2b"), Ct);

        var clone = await Xen.CloneGuestAsync("build-01", "build-02", Ct);

        var macs = (await Xen.ListNetworkInterfacesAsync(clone.Id, Ct)).Select(n => n.Mac).ToList();
        Assert.Equal(2, macs.Count);
        Assert.DoesNotContain(nic.Mac, macs);
        await Assert.ThrowsAsync<ConflictException>(() => Xen.CloneGuestAsync("build-01", "build-02", Ct));
        await Assert.ThrowsAsync<ConflictException>(() => Xen.CloneGuestAsync("web-01", "web-02", Ct));
    }
}
