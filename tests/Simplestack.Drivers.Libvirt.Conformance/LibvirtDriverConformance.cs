using Simplestack.Core;
using Simplestack.Drivers.Conformance;

namespace Simplestack.Drivers.Libvirt.Conformance;

/// <summary>
/// The conformance suite on a libvirt driver (test, kvm, lxc): the probe reads libvirt through
/// the binding, and the few assertions only libvirt has words for live here.
/// </summary>
public abstract class LibvirtDriverConformance : DriverConformance
{
    /// <summary>The driver of this flavor.</summary>
    protected abstract LibvirtDriver LibvirtDriver { get; }

    /// <summary>The target this flavor's tests connect to.</summary>
    protected abstract HypervisorTarget Target { get; }

    protected sealed override IHypervisorDriver Driver => LibvirtDriver;

    /// <summary>An Open vSwitch bridge: libvirt makes VLAN networks as OVS port groups on one.</summary>
    protected override string VlanSwitch => "ovsbr0";

    /// <summary>Which volume paths the probe counts (null: all); see <see cref="LibvirtProbe"/>.</summary>
    protected virtual Func<string, bool>? VolumeFilter => null;

    protected LibvirtProbe LibvirtProbe => (LibvirtProbe)Probe;

    protected override Task<IHypervisorConnection> ConnectAsync() => LibvirtDriver.ConnectAsync(Target, null, Ct);

    protected override IHypervisorProbe CreateProbe(IHypervisorConnection connection)
        => new LibvirtProbe(((LibvirtHypervisorConnection)connection).Native, VolumeFilter);

    [Fact]
    public void The_connection_is_of_the_flavors_connection_type()
        => Assert.IsType(LibvirtDriver.ConnectionType, Connection);

    [Fact]
    public Task A_vlan_network_is_an_open_vswitch_port_group_with_its_tag() => WhenSupported<INetworkManagement>(async networks =>
    {
        var name = UniqueNetwork("ovs");
        var created = await networks.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: VlanSwitch, Vlan: 10), Ct);

        Assert.Equal(VlanSwitch, created.Bridge); // a port group on the OVS bridge, not a bridge of its own
        Assert.Equal(VlanSwitch, LibvirtProbe.Network(name)!.Bridge);
        var xml = LibvirtProbe.NetworkXml(name);
        Assert.Equal("openvswitch", xml.Element("virtualport")?.Attribute("type")?.Value);
        Assert.Equal("10", xml.Element("vlan")?.Element("tag")?.Attribute("id")?.Value);
    });

    /// <summary>A libvirt volume's name is unique in its pool (a Xen VDI's name is only a label).</summary>
    [Fact]
    public Task A_disk_volume_name_already_taken_conflicts_and_leaves_nothing() => WhenSupported<IDiskManagement>(async disks =>
    {
        var first = await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("vol")) with { Disks = [new DiskSpec(1, Name: UniqueName("v") + ".qcow2")] }, Ct);
        var volumeName = (await disks.ListDisksAsync(first.Id, Ct)).Single().Name;
        var name = Unique("vol2");
        var volumes = Probe.VolumePaths();

        await Assert.ThrowsAsync<ConflictException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(name) with { Disks = [new DiskSpec(1, Name: volumeName)] }, Ct));

        Assert.False(Probe.GuestExists(name));
        Assert.Equal(volumes, Probe.VolumePaths());
    });


    /// <summary>libvirt's image guests boot from a qcow2 overlay on the image volume, which stays a read-only base.</summary>
    [Fact]
    public Task A_guest_created_from_an_image_boots_from_an_overlay_on_it() => WhenSupported<IImageCatalog>(async catalog =>
    {
        var image = Assert.Single(await catalog.ListImagesAsync(Ct), i => i.Id == ExistingImage);
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("img")) with { Image = image.Id, Disks = [] }, Ct);

        var disk = Assert.Single(await Connection.Require<IDiskManagement>().ListDisksAsync(guest.Id, Ct));
        Assert.Equal("qcow2", disk.Format);
        Assert.Contains(image.Path, Probe.VolumePaths());

        // An image is a base other disks depend on: it cannot be attached as a writable disk.
        var pool = (await Connection.Require<IStorageManagement>().ListStoragesAsync(Ct)).Single(p => p.Id == image.StorageId).Name;
        await Assert.ThrowsAsync<ConflictException>(() => Connection.Require<IDiskManagement>().CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: pool, Volume: image.Id), Ct));
    });

    [Fact]
    public async Task A_ledger_write_waits_for_another_gateway_processes_turn_on_the_guest()
    {
        if (Connection is not ISnapshotManagement snapshots)
        {
            return;
        }

        // Another process holds the turn on this guest's ledger (its marker volume) for a second.
        var guest = await CreateGuestAsync();
        var native = ((LibvirtHypervisorConnection)Connection).Native;
        using var pool = native.TryLookupStoragePoolByName(ExistingPool)!;
        var turnName = $"simplestack-key-ledger-{guest.Id.Replace("-", string.Empty, StringComparison.Ordinal)}";
        var until = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds();
        var turn = pool.CreateVolume(Xml.VolumeXml.Build(new Xml.VolumeDefinition(turnName, until, "raw")));
        var release = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            turn.Delete();
            turn.Dispose();
        });

        var stamp = Core.Idempotency.IdempotencyStamp.Of(Guid.NewGuid().ToString(), "turn");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var snapshot = await Keyed(stamp, () => snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("turn"), Ct));
        var took = clock.Elapsed;
        await release;

        Assert.True(took >= TimeSpan.FromSeconds(0.9), $"the keyed snapshot was recorded after {took.TotalSeconds:0.00} s, not after the other turn ended");
        var scope = Core.Idempotency.CreatedScope.On(guest.Id, Core.Idempotency.CreatedKind.Snapshot);
        Assert.Equal(snapshot.Id, (await ((Core.Idempotency.IIdempotentCreation)Connection).FindCreatedAsync(scope, stamp.KeyHash, Ct))?.CreatedId);
        using var left = pool.TryLookupVolumeByName(turnName);
        Assert.Null(left);
    }
}
