using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Conformance;

namespace Simplestack.Drivers.Libvirt.Tests.Conformance;

/// <summary>
/// The conformance suite on libvirt's built-in test driver, in process. Each test gets a fresh
/// <c>test:///default</c> connection, which is a fresh hypervisor.
/// </summary>
public sealed class TestDriverConformance : LibvirtDriverConformance
{
    protected override LibvirtDriver LibvirtDriver { get; } = LibvirtDriver.Test(new LibvirtDriverOptions());

    protected override HypervisorTarget Target => new("test", "default");

    protected override bool SupportsHotPlug => false;

    protected override bool ConnectionsShareOneHypervisor => false;

    protected override string ExistingNetwork => "default";

    protected override string ExistingPool => "default-pool";

    protected override string ExistingImage => LibvirtDriver.DemoImage;

    protected override GuestCreateRequest NewGuest(string name, bool start = false, double diskGiB = 1)
        => new(name, Memory: 128, Cpus: 1, Disks: [new DiskSpec(diskGiB)], Start: start);

    [Fact]
    public async Task The_built_in_guest_test_is_listed_as_started()
    {
        var guest = Assert.Single(await Connection.ListGuestsAsync(Ct), g => g.Name == "test");
        Assert.Equal(GuestState.STARTED, guest.State);
        Assert.Equal("running", guest.StateDetail);
        Assert.Equal(2, guest.Cpus);
        Assert.Equal(2048, guest.Memory);
    }

    [Fact]
    public async Task Device_hot_plug_is_not_available_on_the_test_driver()
    {
        var nics = Connection.Require<INetworkInterfaceManagement>();
        var error = await Assert.ThrowsAsync<FeatureNotAvailableException>(() => nics.CreateNetworkInterfaceAsync("test", new NicCreateRequest("default"), Ct));
        Assert.Equal(ErrorKind.FeatureNotAvailable, error.Kind);
        Assert.Single(await nics.ListNetworkInterfacesAsync("test", Ct));
    }

    [Fact]
    public async Task An_install_location_outside_the_allowed_prefixes_is_refused_before_anything_is_made()
    {
        var name = Unique("inst");
        var volumes = Probe.VolumePaths();
        var request = NewGuest(name) with { Install = new InstallSpec("http://169.254.169.254/latest/") };

        var error = await Assert.ThrowsAnyAsync<SimplestackException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(request, Ct));

        Assert.Equal(ErrorKind.TargetNotAllowed, error.Kind);
        Assert.False(Probe.GuestExists(name));
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Fact]
    public async Task A_seed_the_test_driver_cannot_upload_leaves_nothing_behind()
    {
        var name = Unique("seed");
        var volumes = Probe.VolumePaths();
        var request = NewGuest(name) with { SshKeys = ["ssh-ed25519 AAAAC3Nza key@test"] };

        // The test driver has no volume upload: the create fails cleanly with a 501 kind.
        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(request, Ct));

        Assert.False(Probe.GuestExists(name));
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Fact]
    public async Task Exporting_disks_the_test_driver_cannot_stream_fails_before_the_archive_starts()
    {
        var guest = await CreateGuestAsync();
        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => Connection.Require<IGuestTransfer>().OpenExportAsync(guest.Id, Ct));
    }
}
