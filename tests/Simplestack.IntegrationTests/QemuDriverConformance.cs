using Simplestack.Core;
using Simplestack.Drivers.Libvirt;
using Simplestack.Drivers.Libvirt.Conformance;

namespace Simplestack.IntegrationTests;

/// <summary>
/// The driver conformance suite on a real libvirtd with QEMU (TCG). Guests, networks and volumes
/// it makes are named with a prefix and removed after each test, whatever happened.
/// </summary>
public sealed class QemuDriverConformance : LibvirtDriverConformance
{
    private readonly List<GuestConsole> _consoles = [];

    protected override LibvirtDriver LibvirtDriver { get; } = LibvirtDriver.Qemu(QemuOptions());

    protected override HypervisorTarget Target => new("kvm", "localhost");

    protected override bool SupportsHotPlug => true;

    protected override string ExistingNetwork => Substrate.NatNetwork;

    protected override string ExistingPool => Substrate.Pool;

    // The test guest's ISO doubles as an image in the substrate's image pool.
    protected override string ExistingImage => Substrate.GuestIsoVolume;

    protected override string VlanSwitch => Substrate.OvsBridge;

    protected override async Task<IHypervisorConnection> ConnectAsync()
    {
        Substrate.Require();
        return await base.ConnectAsync();
    }

    internal static LibvirtDriverOptions QemuOptions()
    {
        return new LibvirtDriverOptions { DefaultDomainType = "qemu", DefaultStoragePool = Substrate.Pool };
    }

    // The substrate's image pool and the volumes named by the suite ("ss-..."), no others:
    // the SDK's deploy test makes its own guest and volume on this libvirtd while these tests run.
    protected override Func<string, bool> VolumeFilter => Substrate.IsImageOrSuiteVolume;

    protected override GuestCreateRequest NewGuest(string name, bool start = false, double diskGiB = 1)
        => new(name, Memory: 128, Cpus: 1, Disks: [new DiskSpec(diskGiB)], Start: start, DomainType: "qemu");

    protected override GuestCreateRequest BootableGuest(string name)
        => NewGuest(name) with { Memory = 256, Cdrom = Substrate.GuestIsoVolume };

    protected override async Task WaitUntilGuestOsReadyAsync(Guest guest)
    {
        var console = new GuestConsole(Substrate.QemuUri, guest.Name);
        _consoles.Add(console);
        await console.WaitForReadyAsync(Substrate.ReadyMarker, TimeSpan.FromSeconds(180));
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var console in _consoles)
        {
            console.Dispose();
        }

        await base.DisposeAsync();
    }
}
