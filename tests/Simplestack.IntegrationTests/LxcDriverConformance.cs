using Simplestack.Core;
using Simplestack.Drivers.Libvirt;
using Simplestack.Drivers.Libvirt.Conformance;

namespace Simplestack.IntegrationTests;

/// <summary>
/// The driver conformance suite on a real libvirtd's LXC driver. A container runs from a root
/// directory (<see cref="LxcRootfs"/>), so it has no disks, media, snapshots, images, clones or
/// exports: the suite asserts 501 FeatureNotImplemented for those, and 501 FeatureNotAvailable
/// where libvirt's LXC driver refuses a call (vCPU changes, rename, reset).
/// </summary>
public sealed class LxcDriverConformance : LibvirtDriverConformance
{
    protected override LibvirtDriver LibvirtDriver { get; } = LibvirtDriver.Lxc(LxcOptions());

    protected override HypervisorTarget Target => new("lxc", "localhost");

    // libvirt cannot hot-plug a file into a container ("Can't setup disk for non-block device"),
    // and containers have no disks here anyway.
    protected override bool SupportsHotPlug => false;

    // libvirt's LXC driver has no virDomainSetVcpusFlags, virDomainRename or virDomainReset.
    protected override bool SupportsCpuChange => false;

    protected override bool SupportsRename => false;

    protected override bool SupportsForcedReboot => false;

    // libvirt's LXC shutdown in its default mode sends the container's init no SIGTERM here (its
    // "--mode signal" does, and the test init stops on it): a stop is asked for but never arrives.
    // Known limit of the driver's stop on LXC, asserted as it is until the driver chooses a mode.
    protected override bool StopsWhenAsked => false;

    protected override string ExistingNetwork => Substrate.NatNetwork;

    protected override string ExistingPool => Substrate.Pool;

    // Containers are not made from images (the suite asserts the 501 for the image catalog).
    protected override string ExistingImage => Substrate.GuestIsoVolume;

    protected override string VlanSwitch => Substrate.OvsBridge;

    protected override Func<string, bool> VolumeFilter => Substrate.IsImageOrSuiteVolume;

    protected override async Task<IHypervisorConnection> ConnectAsync()
    {
        Substrate.Require();
        return await base.ConnectAsync();
    }

    private static LibvirtDriverOptions LxcOptions()
    {
        var options = new LibvirtDriverOptions { DefaultStoragePool = Substrate.Pool };
        options.RootfsDirectories.Add(LxcRootfs.Folder);
        return options;
    }

    /// <summary>A container on the busybox root directory; it has no disks, so <paramref name="diskGiB"/> does not apply.</summary>
    protected override GuestCreateRequest NewGuest(string name, bool start = false, double diskGiB = 1)
        => new(name, Memory: 128, Cpus: 1, Start: start, Rootfs: LxcRootfs.Path, Init: LxcRootfs.StoppableInit);

    [Fact]
    public void A_container_lacks_exactly_what_a_container_cannot_have()
    {
        Type[] lacking = [typeof(IDiskManagement), typeof(IMediaManagement), typeof(ISnapshotManagement), typeof(IGuestCloning), typeof(IGuestTransfer), typeof(IImageCatalog)];
        foreach (var capability in lacking)
        {
            Assert.False(capability.IsInstanceOfType(Connection), capability.Name);
        }

        Assert.Equal(Capability.All.Count - lacking.Length, ((IHypervisorDriver)LibvirtDriver).Capabilities.Count);
    }

    [Fact]
    public async Task A_container_with_disks_is_refused_and_nothing_is_made()
    {
        var name = Unique("disks");
        var volumes = Probe.VolumePaths();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(name) with { Disks = [new DiskSpec(1)] }, Ct));
        Assert.False(Probe.GuestExists(name));
        Assert.Equal(volumes, Probe.VolumePaths());
    }
}
