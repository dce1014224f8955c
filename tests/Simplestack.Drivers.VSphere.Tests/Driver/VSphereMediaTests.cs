using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>The vmware driver's media device: ISOs found on the datastores by file name, mounted in an IDE CD-ROM.</summary>
public sealed class VSphereMediaTests(VcsimVpxFixture vpx) : VcsimDeviceTest(vpx.Vcsim), IClassFixture<VcsimVpxFixture>
{
    [Fact]
    public async Task An_iso_in_a_datastore_folder_mounts_in_a_new_ide_cdrom_then_swaps_and_ejects()
    {
        var guest = await CreateGuestAsync([1]);
        var first = $"ss-{Guid.NewGuid():N}.iso";
        var second = $"ss-{Guid.NewGuid():N}.iso";
        RememberVolume(Probe.CreateVolume(first, 4096));
        Directory.CreateDirectory(Probe.LocalPath("[LocalDS_0] isos"));
        File.WriteAllBytes(Probe.LocalPath($"[LocalDS_0] isos/{second}"), new byte[4096]);
        RememberVolume($"[LocalDS_0] isos/{second}");

        Assert.Equal(first, (await Connection.SetMediaAsync(guest.Id, first, Ct)).Name);
        var cdrom = Assert.Single(Probe.Devices(guest.Name), d => VcsimProbe.TypeOf(d) == "VirtualCdrom");
        var controllerKey = cdrom.Element(VimSoap.Vim + "controllerKey")!.Value;
        Assert.Equal("VirtualIDEController", VcsimProbe.TypeOf(Probe.Devices(guest.Name).Single(d => d.Element(VimSoap.Vim + "key")!.Value == controllerKey)));
        Assert.Equal($"[LocalDS_0] {first}", Probe.Media(guest.Name)!.Path);

        Assert.Equal(second, (await Connection.SetMediaAsync(guest.Id, second, Ct)).Name);
        Assert.Equal($"[LocalDS_0] isos/{second}", Probe.Media(guest.Name)!.Path);
        Assert.Single(Probe.Devices(guest.Name), d => VcsimProbe.TypeOf(d) == "VirtualCdrom");

        Assert.Null((await Connection.SetMediaAsync(guest.Id, "", Ct)).Name);
        Assert.Null(Probe.Media(guest.Name)!.Path);
        Assert.Null((await Connection.GetMediaAsync(guest.Id, Ct)).Name);
        Assert.Null((await Connection.SetMediaAsync(guest.Id, null, Ct)).Name);
    }

    [Fact]
    public async Task A_running_guest_swaps_isos_in_its_drive_but_gets_no_new_ide_drive()
    {
        var withDrive = await CreateGuestAsync([1]);
        var without = await CreateGuestAsync([1], start: true);
        var (first, second) = ($"ss-{Guid.NewGuid():N}.iso", $"ss-{Guid.NewGuid():N}.iso");
        RememberVolume(Probe.CreateVolume(first, 4096));
        RememberVolume(Probe.CreateVolume(second, 4096));
        await Connection.SetMediaAsync(withDrive.Id, first, Ct);
        await Connection.SetPowerAsync(withDrive.Id, PowerAction.Start, null, Ct);

        Assert.Equal(second, (await Connection.SetMediaAsync(withDrive.Id, second, Ct)).Name);
        Assert.Equal($"[LocalDS_0] {second}", Probe.Media(withDrive.Name)!.Path);
        Assert.Equal("poweredOn", Probe.NativeState(withDrive.Name));

        await Assert.ThrowsAsync<ConflictException>(() => Connection.SetMediaAsync(without.Id, first, Ct));
        Assert.Null(Probe.Media(without.Name));
        Assert.Null((await Connection.SetMediaAsync(without.Id, null, Ct)).Name);
    }

    [Fact]
    public async Task Names_that_are_paths_globs_or_unknown_are_refused_and_add_no_drive()
    {
        var guest = await CreateGuestAsync([1]);
        RememberVolume(Probe.CreateVolume($"ss-{Guid.NewGuid():N}.iso", 4096));

        foreach (var name in new[] { "[LocalDS_0] x.iso", "a/b.iso", "..", "x\\y.iso", "*.iso", "ss-?*.iso", "no-such.iso" })
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.SetMediaAsync(guest.Id, name, Ct));
        }

        Assert.Null(Probe.Media(guest.Name));
        Assert.Null((await Connection.GetMediaAsync(guest.Id, Ct)).Name);
    }
}
