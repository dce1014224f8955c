using Simplestack.Core;
using Simplestack.Drivers.Conformance;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>The driver conformance suite on the vmware driver against a vCenter vcsim (VPX).</summary>
public sealed class VSphereDriverConformance(VcsimVpxFixture vpx) : VSphereConformance(vpx), IClassFixture<VcsimVpxFixture>;

/// <summary>The driver conformance suite on the vmware driver against a standalone ESX vcsim.</summary>
public sealed class VSphereEsxDriverConformance(VcsimEsxFixture esx) : VSphereConformance(esx), IClassFixture<VcsimEsxFixture>;

/// <summary>
/// The driver conformance suite on the vmware driver against one vcsim for the class (each test
/// removes the guests it made). Capabilities the driver does not implement yet are asserted to
/// answer 501 by the suite itself.
/// </summary>
public abstract class VSphereConformance(VcsimFixture vpx) : DriverConformance
{
    private VcsimProbe? _probe;
    private string? _image;

    protected override IHypervisorDriver Driver => VcsimConnection.Driver(vpx.Vcsim);

    protected override async Task<IHypervisorConnection> ConnectAsync()
    {
        _image = await VcsimTemplates.EnsureAsync(vpx.Vcsim);
        return await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
    }

    protected override IHypervisorProbe CreateProbe(IHypervisorConnection connection) => _probe = new VcsimProbe(vpx.Vcsim);

    protected override GuestCreateRequest NewGuest(string name, bool start = false, double diskGiB = 1)
        => new(name, 512, Disks: [new DiskSpec(diskGiB)], Start: start);

    /// <summary>A disk's id is its SCSI bus and unit (API.md §8): the guests made here have one controller, bus 0.</summary>
    protected override string DiskId(int number) => $"0:{number}";

    protected override string ExistingNetwork => "VM Network";

    protected override string ExistingPool => "LocalDS_0";

    /// <summary>The template the fixture makes (vcsim's inventory has none): its config.uuid, the image id.</summary>
    protected override string ExistingImage => _image ?? throw new InvalidOperationException("not initialised");

    protected override string VlanSwitch => "vSwitch0";

    /// <summary>vSphere's standard vSwitches shape traffic per port group, not per NIC (API.md §8).</summary>
    protected override bool SupportsNicRateLimit => false;

    /// <summary>vSphere's port groups have no description or other settings.</summary>
    protected override bool NetworksKeepDescriptions => false;

    protected override bool SupportsHotPlug => true;

    /// <summary>vcsim 0.24.2 has no RebootGuest (MethodNotFound): the driver answers 501 FeatureNotAvailable.</summary>
    protected override bool SupportsGuestReboot => false;

    /// <summary>
    /// vcsim 0.24.2 panics (simulator/snapshot.go:134, setting a nil currentSnapshot) when the current
    /// snapshot is a root with a child and is removed; the connection is dropped and the driver answers 503.
    /// Real vSphere makes the parent (or none) current.
    /// </summary>
    protected override bool DeletesTheSnapshotRevertedTo => false;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _probe?.Dispose();
    }
}
