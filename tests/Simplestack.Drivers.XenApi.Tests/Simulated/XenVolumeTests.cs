extern alias XenSimulator;

using Simplestack.Core;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>What the xen driver does with volumes (VDIs) beyond the shared suite.</summary>
public sealed class XenVolumeTests : IAsyncLifetime
{
    private const string Local = "Local storage";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private XenApiSimulator _simulator = null!;
    private XenApiConnection _xen = null!;

    public async ValueTask InitializeAsync()
    {
        _simulator = await XenApiSimulator.StartAsync(new SimulatorOptions(), Ct);
        var options = new XenApiDriverOptions();
        options.CertificatePins[$"127.0.0.1:{_simulator.Url.Port}"] = _simulator.CertificateSha256;
        _xen = (XenApiConnection)await new XenApiDriver(options).ConnectAsync(
            new HypervisorTarget("xen", "127.0.0.1", _simulator.Url.Port), new HypervisorCredentials("root", "simplestack"), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _xen.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task A_volume_attached_to_a_guest_outlives_the_guest_while_the_guests_own_disk_goes()
    {
        var guest = await _xen.CreateGuestAsync(new GuestCreateRequest("vol-owner", 512, Image: "Other install media", Disks: [new DiskSpec(1)]), Ct);
        var own = Assert.Single(await _xen.ListDisksAsync(guest.Id, Ct));
        var volume = await _xen.CreateVolumeAsync(Local, new VolumeCreateRequest("data-1", 2), Ct);
        var disk = await _xen.CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: Local, Volume: volume.Id), Ct);
        Assert.Equal(volume.Path, disk.Path);
        Assert.Equal(["vol-owner"], (await _xen.GetVolumeAsync(Local, "data-1", Ct)).UsedBy);

        await _xen.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);

        Assert.Contains(volume.Id, _simulator.Uuids("VDI"));
        Assert.DoesNotContain(own.Path, _simulator.Uuids("VDI"));
        Assert.Empty((await _xen.GetVolumeAsync(Local, volume.Id, Ct)).UsedBy);
        await _xen.DeleteVolumeAsync(Local, volume.Id, Ct);
        Assert.DoesNotContain(volume.Id, _simulator.Uuids("VDI"));
    }

    [Fact]
    public async Task Volumes_list_an_srs_vdis_with_their_users_and_refuse_formats_iso_libraries_and_unknown_srs()
    {
        var volumes = await _xen.ListVolumesAsync(Local, Ct);
        Assert.Contains(volumes, v => v.UsedBy.SequenceEqual(["web-01"]));
        Assert.All(volumes, v => Assert.Equal(v.Id, v.Path));

        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => _xen.CreateVolumeAsync(Local, new VolumeCreateRequest("q", 1, "qcow2"), Ct));
        var iso = (await _xen.ListStoragesAsync(Ct)).Single(s => s.Type == "iso");
        await Assert.ThrowsAsync<InvalidArgumentException>(() => _xen.CreateVolumeAsync(iso.Id, new VolumeCreateRequest("q", 1), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => _xen.ListVolumesAsync("no-such-sr", Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => _xen.GetVolumeAsync(Local, "no-such-volume", Ct));

        var inUse = volumes.First(v => v.UsedBy.Count > 0);
        await Assert.ThrowsAsync<ConflictException>(() => _xen.DeleteVolumeAsync(Local, inUse.Id, Ct));
        Assert.Contains(inUse.Id, _simulator.Uuids("VDI"));
    }
}
