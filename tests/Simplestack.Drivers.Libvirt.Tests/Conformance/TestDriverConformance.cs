using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Tests.Conformance;

/// <summary>
/// The conformance suite on libvirt's built-in test driver, in process. Each test gets a fresh
/// <c>test:///default</c> connection, which is a fresh hypervisor.
/// </summary>
public sealed class TestDriverConformance : DriverConformance
{
    protected override bool SupportsHotPlug => false;

    protected override string ExistingNetwork => "default";

    protected override Task<IHypervisorConnection> ConnectAsync()
        => LibvirtDriver.Test(new LibvirtDriverOptions()).ConnectAsync(new HypervisorTarget("test", "default"), null, Ct);

    protected override IHypervisorProbe CreateProbe(IHypervisorConnection connection)
        => new LibvirtProbe(((LibvirtHypervisorConnection)connection).Native);

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
}
