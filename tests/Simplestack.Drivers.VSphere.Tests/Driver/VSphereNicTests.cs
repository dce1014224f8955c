using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;
using static Simplestack.Drivers.VSphere.Tests.Vcsim.VimSoap;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>
/// NICs against a vCenter vcsim (standard "VM Network" and the distributed "DC0_DVPG0" on switch
/// "DVS0"), each change checked in the card vcsim holds (type, backing, address) through the probe.
/// </summary>
public sealed class VSphereNicTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>, IAsyncLifetime
{
    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    private VSphereConnection _connection = null!;
    private VcsimProbe _probe = null!;
    private readonly List<string> _guests = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        _probe = new VcsimProbe(vpx.Vcsim);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _guests.Where(_probe.GuestExists))
        {
            await _connection.DeleteGuestAsync(name, new GuestDeleteOptions(), CancellationToken.None);
        }

        await _connection.DisposeAsync();
        _probe.Dispose();
    }

    [Fact]
    public async Task A_card_with_a_model_and_mac_goes_on_a_standard_port_group_then_moves_to_a_distributed_one()
    {
        var guest = await CreateAsync();

        var nic = await _connection.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("VM Network", "00:50:56:0A:0B:0C", "e1000"), Ct);

        Assert.Equal(new NetworkInterface("00:50:56:0a:0b:0c", 0, "00:50:56:0a:0b:0c", "VM Network", "network_default", [], [], null, "e1000", null), nic);
        var card = Assert.Single(_probe.NicDevices(guest.Name));
        Assert.Equal("VirtualE1000", Type(card));
        Assert.Equal("manual", card.Element(Vim + "addressType")!.Value);
        Assert.Equal("00:50:56:0a:0b:0c", card.Element(Vim + "macAddress")!.Value.ToLowerInvariant());
        Assert.Equal("VM Network", card.Element(Vim + "backing")!.Element(Vim + "deviceName")!.Value);

        var moved = await _connection.UpdateNetworkInterfaceAsync(guest.Id, "00:50:56:0A:0B:0C", new NicUpdateRequest(Network: "DC0_DVPG0"), Ct);

        Assert.Equal("DC0_DVPG0", moved.Network);
        Assert.Equal(nic.Mac, moved.Mac);
        var port = Assert.Single(_probe.NicDevices(guest.Name)).Element(Vim + "backing")!.Element(Vim + "port")!;
        Assert.Equal(_probe.DvsUuid("DVS0"), port.Element(Vim + "switchUuid")!.Value);
        Assert.Equal("DC0_DVPG0", Assert.Single(_probe.Nics(guest.Name)).Network);
        Assert.Equal(moved, await _connection.GetNetworkInterfaceAsync(guest.Name, nic.Id, Ct));

        await _connection.DeleteNetworkInterfaceAsync(guest.Id, nic.Id, Ct);
        Assert.Empty(_probe.NicDevices(guest.Name));
    }

    [Fact]
    public async Task A_guest_is_created_with_a_distributed_nic_and_a_generated_vmxnet3_one_and_a_running_guest_takes_another_live()
    {
        var name = Name();
        var guest = await _connection.CreateGuestAsync(new GuestCreateRequest(name, 256, Disks: [new DiskSpec(1)],
            NetworkInterfaces: [new NicSpec("DC0_DVPG0", Model: "vmxnet2", Mac: "00:50:56:00:00:42"), new NicSpec("VM Network")], Start: true), Ct);

        var cards = _probe.NicDevices(name);
        Assert.Equal(["VirtualVmxnet2", "VirtualVmxnet3"], cards.Select(Type));
        Assert.Equal("00:50:56:00:00:42", cards[0].Element(Vim + "macAddress")!.Value);
        Assert.Equal("generated", cards[1].Element(Vim + "addressType")!.Value);
        var nics = await _connection.ListNetworkInterfacesAsync(guest.Id, Ct);
        Assert.Equal([("DC0_DVPG0", 0, "vmxnet2"), ("VM Network", 1, "vmxnet3")], nics.Select(n => (n.Network!, n.Number, n.Model!)));

        var hot = await _connection.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("VM Network"), Ct);
        Assert.Equal(2, hot.Number);
        Assert.Equal(3, _probe.NicDevices(name).Count);
        Assert.Equal("poweredOn", _probe.NativeState(name));

        // active is the running card's connectable.connected (vcsim never connects a card by itself).
        Assert.Equal(Connected(_probe.NicDevices(name)[2]), hot.Active);
        var plugged = await _connection.UpdateNetworkInterfaceAsync(guest.Id, hot.Id, new NicUpdateRequest { Active = true }, Ct);
        Assert.Equal((true, true), (plugged.Active, Connected(_probe.NicDevices(name)[2])));
        var unplugged = await _connection.UpdateNetworkInterfaceAsync(guest.Id, hot.Id, new NicUpdateRequest(Network: "DC0_DVPG0") { Active = false }, Ct);
        Assert.Equal((false, false, "DC0_DVPG0"), (unplugged.Active, Connected(_probe.NicDevices(name)[2]), unplugged.Network));
        Assert.Equal(hot.Mac, unplugged.Mac);
    }

    [Fact]
    public async Task A_stopped_guest_s_nic_is_not_plugged_and_has_no_active_state()
    {
        var guest = await CreateAsync();
        var nic = await _connection.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("VM Network"), Ct);
        Assert.Null(nic.Active);
        await Assert.ThrowsAsync<ConflictException>(() => _connection.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest { Active = true }, Ct));
        Assert.False(Connected(Assert.Single(_probe.NicDevices(guest.Name))));
    }

    private static bool Connected(XElement card) => card.Element(Vim + "connectable")?.Element(Vim + "connected")?.Value == "true";

    [Fact]
    public async Task Bad_nic_requests_are_refused_and_change_nothing()
    {
        var guest = await CreateAsync();
        var nic = await _connection.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("VM Network"), Ct);
        var before = _probe.NicDevices(guest.Name).Select(c => c.ToString()).ToList();

        await Assert.ThrowsAsync<InvalidArgumentException>(() => _connection.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("VM Network", Model: "rtl8139"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => _connection.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("VM Network", Mac: "01:00:5e:00:00:01"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => _connection.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("DVS0-DVUplinks-9"), Ct));
        await Assert.ThrowsAsync<ConflictException>(() => _connection.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("VM Network", Mac: nic.Mac.ToUpperInvariant()), Ct));
        var rate = await Assert.ThrowsAsync<FeatureNotAvailableException>(() => _connection.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(RateLimitBitsPerSecond: 8192), Ct));
        Assert.Contains("port group", rate.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => _connection.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(Network: "DC0_DVPG0") { LockingMode = "locked" }, Ct));
        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => _connection.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(Model: "e1000"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => _connection.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(Network: "no-such-network"), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => _connection.UpdateNetworkInterfaceAsync(guest.Id, "00:50:56:ff:ff:ff", new NicUpdateRequest(RateLimitBitsPerSecond: 8192), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => _connection.DeleteNetworkInterfaceAsync(guest.Id, "00:50:56:ff:ff:ff", Ct));
        var create = _connection.CreateGuestAsync(new GuestCreateRequest(Name(), 256, NetworkInterfaces: [new NicSpec("VM Network", Model: "virtio")]), Ct);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => create);

        Assert.Equal(before, _probe.NicDevices(guest.Name).Select(c => c.ToString()));
        Assert.DoesNotContain(_guests[^1], _probe.AllVmNames());
    }

    private async Task<Guest> CreateAsync() => await _connection.CreateGuestAsync(new GuestCreateRequest(Name(), 256, Disks: [new DiskSpec(1)]), Ct);

    private string Name()
    {
        var name = $"ss-nic-{Guid.NewGuid():N}"[..15];
        _guests.Add(name);
        return name;
    }

    private static string? Type(XElement element) => ((string?)element.Attribute(Xsi + "type"))?.Split(':')[^1];
}
