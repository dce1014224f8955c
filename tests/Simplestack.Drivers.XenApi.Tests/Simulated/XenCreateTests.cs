extern alias XenSimulator;

using System.Globalization;
using Simplestack.Core;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>Create from one body on xen (API.md §4) beyond the shared suite: the template's own disks, a CD-ROM, NICs, start; and failures that leave nothing.</summary>
public sealed class XenCreateTests : SimulatedXenTest
{
    private const string Eth0 = "Pool-wide network associated with eth0";
    private const long GiB = 1024L * 1024 * 1024;

    private IReadOnlyDictionary<string, object?> Vm(string uuid) => Simulator.Record("VM", uuid)!;

    private IEnumerable<IReadOnlyDictionary<string, object?>> Vbds(string uuid)
        => ((IEnumerable<object?>)Vm(uuid)["VBDs"]!).Select(r => Simulator.Record("VBD", (string)r!)!);

    [Fact]
    public async Task A_template_guest_gets_its_provisioned_disk_then_the_bodys_disks_a_cdrom_nics_and_starts()
    {
        var guest = await Xen.CreateGuestAsync(new GuestCreateRequest(
            "full-1", 1024, Cpus: 2, Image: "Debian Bookworm 12",
            Disks: [new DiskSpec(16), new DiskSpec(2, Name: "data")],
            NetworkInterfaces: [new NicSpec(Eth0), new NicSpec(Eth0, Mac: "02:00:00:00:00:77")],
            Cdrom: "debian-12-netinst.iso",
            Start: true), Ct);

        Assert.Equal(GuestState.STARTED, guest.State);
        Assert.Equal(2, guest.Cpus);
        Assert.Equal(1024, guest.Memory);
        var vm = Vm(guest.Id);
        Assert.Equal("Running", vm["power_state"]);
        Assert.Equal(false, vm["is_a_template"]);

        var disks = Vbds(guest.Id).Where(b => (string?)b["type"] == "Disk").OrderBy(b => (string)b["userdevice"]!).ToList();
        Assert.Equal(["0", "1"], disks.Select(d => (string)d["userdevice"]!));
        // The first disk of the body is the boot disk the template provisioned (10 GiB), grown to 16.
        Assert.Equal([16 * GiB, 2 * GiB], disks.Select(d => Convert.ToInt64(Simulator.Record("VDI", (string)d["VDI"]!)!["virtual_size"], CultureInfo.InvariantCulture)));
        Assert.Equal(18, guest.Hdd);

        var cd = Assert.Single(Vbds(guest.Id), b => (string?)b["type"] == "CD");
        Assert.Equal("debian-12-netinst.iso", Simulator.Record("VDI", (string)cd["VDI"]!)!["name_label"]);

        var nics = await Xen.ListNetworkInterfacesAsync(guest.Id, Ct);
        Assert.Equal([0, 1], nics.Select(n => n.Number).Order());
        Assert.Contains(nics, n => n.Mac == "02:00:00:00:00:77");
    }

    [Fact]
    public async Task A_size_smaller_than_the_templates_disk_keeps_the_templates_and_a_diskless_template_gets_every_disk()
    {
        // What a Libcloud create with a size (its disk) and an image sends.
        var small = await Xen.CreateGuestAsync(new GuestCreateRequest("sized-1", 512, Image: "Debian Bookworm 12", Disks: [new DiskSpec(5)]), Ct);
        Assert.Equal(10, Assert.Single(await Xen.ListDisksAsync(small.Id, Ct)).Size);

        var bare = await Xen.CreateGuestAsync(new GuestCreateRequest("bare-1", 512, Image: "Other install media", Disks: [new DiskSpec(5), new DiskSpec(1)]), Ct);
        Assert.Equal([5d, 1d], (await Xen.ListDisksAsync(bare.Id, Ct)).Select(d => d.Size));
    }

    [Fact]
    public async Task A_create_naming_an_unknown_iso_template_or_network_makes_nothing()
    {
        var vms = Simulator.Uuids("VM").Count;
        var vdis = Simulator.Uuids("VDI").Count;
        var vbds = Simulator.Uuids("VBD").Count;

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Xen.CreateGuestAsync(new GuestCreateRequest("bad-1", 512, Image: "Debian Bookworm 12", Cdrom: "no-such.iso"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Xen.CreateGuestAsync(new GuestCreateRequest("bad-2", 512, Image: "no-such-template"), Ct));
        await Assert.ThrowsAnyAsync<SimplestackException>(() => Xen.CreateGuestAsync(new GuestCreateRequest("bad-3", 512, Image: "Debian Bookworm 12", NetworkInterfaces: [new NicSpec("no-such-network")]), Ct));
        await Assert.ThrowsAsync<ConflictException>(() => Xen.CreateGuestAsync(new GuestCreateRequest("web-01", 512, Image: "Debian Bookworm 12"), Ct));

        Assert.Equal(vms, Simulator.Uuids("VM").Count);
        Assert.Equal(vdis, Simulator.Uuids("VDI").Count);
        Assert.Equal(vbds, Simulator.Uuids("VBD").Count);
    }

    [Fact]
    public async Task A_create_whose_start_fails_removes_the_vm_and_the_disks_it_made()
    {
        var vms = Simulator.Uuids("VM").Count;
        var vdis = Simulator.Uuids("VDI").Count;

        // More memory than the host has free (48 GiB): VM.start fails after everything else was made.
        var error = await Assert.ThrowsAsync<ConflictException>(() => Xen.CreateGuestAsync(
            new GuestCreateRequest("huge-1", 1024 * 1024, Image: "Debian Bookworm 12", Disks: [new DiskSpec(1)], Start: true), Ct));

        Assert.Contains("HOST_NOT_ENOUGH_FREE_MEMORY", error.Message, StringComparison.Ordinal);
        Assert.Equal(vms, Simulator.Uuids("VM").Count);
        Assert.Equal(vdis, Simulator.Uuids("VDI").Count);
        Assert.Empty(Simulator.FindByNameLabel("VM", "huge-1"));
    }
}
