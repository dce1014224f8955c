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

    [Fact]
    public async Task A_clone_reports_the_bytes_of_its_copy_as_they_are_written()
    {
        // libvirt's copy call says nothing while a disk of 3 GiB of data is copied (from the page
        // cache, about a second here); the copy volume's allocation, read as it grows, does.
        // Collected as reported (no HTTP stream coalescing them).
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("big"), diskGiB: 4), Ct);
        var disk = Assert.Single(await Connection.Require<IDiskManagement>().ListDisksAsync(guest.Id, Ct));
        QemuIo(disk.Format ?? "raw", disk.Path!, "write -P 0x5a 0 1536M", "write -P 0x5a 1536M 1536M"); // one request is at most 2 GiB

        var progress = new List<Core.Work.WorkProgress>();
        var clone = await Keyed(null, () => Connection.Require<IGuestCloning>().CloneGuestAsync(guest.Id, Unique("bigc"), Ct), progress);

        Assert.Equal(GuestState.STOPPED, clone.State);
        var copying = progress.Where(p => p.Phase == "copying disk vda").Select(p => p.Percent).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine("copying disk vda: " + string.Join(", ", copying.Select(p => p.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.True(copying.Any(p => p is > 0 and < 95), $"no report between the copy's start and end: {string.Join(", ", copying)}");
        AssertProgress(progress);
    }

    private static void QemuIo(string format, string path, params string[] commands)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("qemu-io", ["-f", format, .. commands.SelectMany(c => new[] { "-c", c }), path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0 && !output.Contains("failed", StringComparison.Ordinal), $"qemu-io {string.Join("; ", commands)} {path}: {output}");
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
