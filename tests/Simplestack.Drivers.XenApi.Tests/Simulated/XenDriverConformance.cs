extern alias XenSimulator;

using Simplestack.Core;
using Simplestack.Drivers.Conformance;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>The driver conformance suite on the xen driver, against a XenAPI simulator of its own (one per test).</summary>
public sealed class XenDriverConformance : DriverConformance
{
    private XenApiSimulator? _simulator;
    private readonly XenApiDriverOptions _options = new();

    private XenApiSimulator Simulator => _simulator ?? throw new InvalidOperationException("not started");

    protected override IHypervisorDriver Driver => new XenApiDriver(_options);

    /// <summary>A connection to this test's simulator, started with the first (a test's further connections reach the same pool).</summary>
    protected override async Task<IHypervisorConnection> ConnectAsync()
    {
        if (_simulator is null)
        {
            _simulator = await XenApiSimulator.StartAsync(new SimulatorOptions(), Ct);
            _options.CertificatePins[$"127.0.0.1:{Simulator.Url.Port}"] = Simulator.CertificateSha256;
        }

        return await Driver.ConnectAsync(new HypervisorTarget("xen", "127.0.0.1", Simulator.Url.Port), new HypervisorCredentials("root", "simplestack"), Ct);
    }

    protected override IHypervisorProbe CreateProbe(IHypervisorConnection connection) => new SimulatorProbe(Simulator);

    /// <summary>
    /// From xapi's diskless template, with the one disk asked for (the Debian template would
    /// provision a 10 GiB disk of its own before the body's disks).
    /// </summary>
    protected override GuestCreateRequest NewGuest(string name, bool start = false, double diskGiB = 1)
        => new(name, 1024, Image: "Other install media", Disks: [new DiskSpec(diskGiB)], Start: start);

    /// <summary>A Xen disk's id is its VBD's userdevice.</summary>
    protected override string DiskId(int number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    protected override string ExistingNetwork => "Pool-wide network associated with eth0";

    protected override string ExistingPool => "Local storage";

    protected override string ExistingImage => "Debian Bookworm 12";

    protected override string VlanSwitch => ExistingNetwork;

    protected override bool SupportsHotPlug => true;

    /// <summary>A running VM's memory moves only within its static range: the template's static_min is 512 MiB, the guest has 1024.</summary>
    protected override long LiveMemoryMiB => 768;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_simulator is not null)
        {
            Assert.Equal(0, _simulator.OpenSessions); // Every session the test's connection made was logged out.
            await _simulator.DisposeAsync();
        }
    }
}
