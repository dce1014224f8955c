using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;
using static Simplestack.Drivers.VSphere.Tests.Vcsim.VimSoap;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>
/// Clones, images and guests made from a template against a standalone ESX vcsim, checked in
/// vcsim's own view (devices, files on its datastore folder) through the probe.
/// </summary>
public sealed class VSphereCloneTests(VcsimEsxFixture esx) : VSphereNetworkTestBase(esx.Vcsim), IClassFixture<VcsimEsxFixture>
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task A_clone_has_disk_files_of_its_own_and_leaves_the_source_s_as_they_were()
    {
        var source = await Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256, Disks: [new DiskSpec(1), new DiskSpec(2)], NetworkInterfaces: [new NicSpec("VM Network", Mac: "00:50:56:00:00:07")]), Ct);
        var sourceFiles = Files(source.Name);

        var clone = await Connection.CloneGuestAsync(source.Id, GuestName(), Ct);

        var cloneFiles = Files(clone.Name);
        Assert.Equal(2, cloneFiles.Count);
        Assert.All(cloneFiles, f => Assert.StartsWith($"[LocalDS_0] {clone.Name}/", f, StringComparison.Ordinal));
        Assert.All(cloneFiles, f => Assert.True(File.Exists(OnDisk(f)), f));
        Assert.Equal(sourceFiles, Files(source.Name));
        Assert.Equal([GiB, 2 * GiB], Probe.Disks(clone.Name).Select(d => d.SizeBytes));
        var mac = Assert.Single(Probe.NicDevices(clone.Name)).Element(Vim + "macAddress")!.Value;
        Assert.NotEqual("00:50:56:00:00:07", mac);
        Assert.Equal("generated", Assert.Single(Probe.NicDevices(clone.Name)).Element(Vim + "addressType")!.Value);

        await Connection.DeleteGuestAsync(clone.Id, new GuestDeleteOptions(), Ct);
        Assert.All(sourceFiles, f => Assert.True(File.Exists(OnDisk(f)), f));
    }

    [Fact]
    public async Task A_running_source_a_taken_name_or_a_bad_name_clones_nothing()
    {
        var running = await Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256, Disks: [new DiskSpec(1)], Start: true), Ct);
        var vms = Probe.AllVmNames();

        await Assert.ThrowsAsync<ConflictException>(() => Connection.CloneGuestAsync(running.Id, GuestName(), Ct));
        await Assert.ThrowsAsync<ConflictException>(() => Connection.CloneGuestAsync(running.Id, VcsimTemplates.Name, Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CloneGuestAsync(running.Id, "a/b", Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.CloneGuestAsync("no-such-guest", GuestName(), Ct));

        Assert.Equal(vms, Probe.AllVmNames());
    }

    [Fact]
    public async Task Images_are_the_templates()
    {
        var uuid = await VcsimTemplates.EnsureAsync(esx.Vcsim);

        var image = Assert.Single(await Connection.ListImagesAsync(Ct));

        Assert.Equal((uuid, VcsimTemplates.Name, 1d, VcsimTemplates.DiskBytes, "vmdk"), (image.Id, image.Name, image.Size, image.SizeBytes, image.Format));
        Assert.Equal($"[LocalDS_0] {VcsimTemplates.Name}/{VcsimTemplates.Name}.vmx", image.Path);
        Assert.Equal((await Connection.GetStorageAsync("LocalDS_0", Ct)).Id, image.StorageId);
        Assert.DoesNotContain(await Connection.ListGuestsAsync(Ct), g => g.Name == VcsimTemplates.Name);
    }

    [Fact]
    public async Task A_guest_from_a_template_gets_its_memory_cpus_grown_boot_disk_added_disk_and_the_body_s_nics()
    {
        await VcsimTemplates.EnsureAsync(esx.Vcsim);
        var name = GuestName();

        var guest = await Connection.CreateGuestAsync(new GuestCreateRequest(name, 384, Cpus: 2, Image: VcsimTemplates.Name, ImageCopy: "full",
            Disks: [new DiskSpec(3), new DiskSpec(2)], NetworkInterfaces: [new NicSpec("VM Network", Mac: "00:50:56:00:01:02", Model: "e1000e")], Start: true), Ct);

        Assert.Equal((384L, 2, 5d, GuestState.STARTED), (guest.Memory, guest.Cpus, guest.Hdd, guest.State));
        Assert.Equal((384L, 2), (Probe.DefinedMemoryMiB(name), Probe.DefinedCpus(name)));
        Assert.Equal([3 * GiB, 2 * GiB], Probe.Disks(name).Select(d => d.SizeBytes));
        Assert.All(Files(name), f => Assert.StartsWith($"[LocalDS_0] {name}/", f, StringComparison.Ordinal));
        Assert.Equal([new("00:50:56:00:01:02", "VM Network", null)], Probe.Nics(name));
        Assert.Equal(Conformance.ProbedPower.Running, Probe.Power(name));
    }

    [Fact]
    public async Task A_template_s_nics_get_new_macs_and_a_smaller_first_disk_keeps_the_template_s_size()
    {
        await VcsimTemplates.EnsureAsync(esx.Vcsim);
        var templateMac = Assert.Single(Probe.NicDevices(VcsimTemplates.Name)).Element(Vim + "macAddress")!.Value;
        var name = GuestName();

        await Connection.CreateGuestAsync(new GuestCreateRequest(name, 256, Image: VcsimTemplates.Name, Disks: [new DiskSpec(0.5)]), Ct);

        Assert.Equal([GiB], Probe.Disks(name).Select(d => d.SizeBytes));
        var card = Assert.Single(Probe.NicDevices(name));
        Assert.NotEqual(templateMac, card.Element(Vim + "macAddress")!.Value);
        Assert.Equal("VM Network", Assert.Single(Probe.Nics(name)).Network);
    }

    [Fact]
    public async Task Bad_images_are_400_and_a_create_failing_after_the_clone_leaves_nothing()
    {
        await VcsimTemplates.EnsureAsync(esx.Vcsim);
        var vm = await Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256), Ct);
        var vms = Probe.AllVmNames();
        var volumes = Probe.VolumePaths();
        var guest = new GuestCreateRequest(GuestName(), 256, Image: VcsimTemplates.Name);

        var notTemplate = await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateGuestAsync(guest with { Image = vm.Id }, Ct));
        Assert.Contains("not a template", notTemplate.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateGuestAsync(guest with { Image = "no-such-template" }, Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateGuestAsync(guest with { ImageCopy = "linked" }, Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateGuestAsync(guest with { ImageCopy = "full", Image = null }, Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateGuestAsync(guest with { NetworkInterfaces = [new NicSpec("no-such-network")] }, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.CreateGuestAsync(guest with { Disks = [new DiskSpec(1), new DiskSpec(1, StorageId: "no-such-pool")] }, Ct));

        // 17 disks do not fit on the template's controller: found once the clone exists, which is destroyed.
        var crowded = await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateGuestAsync(guest with { Disks = [.. Enumerable.Repeat(new DiskSpec(1), 17)] }, Ct));
        Assert.Contains("room", crowded.Message, StringComparison.Ordinal);

        Assert.Equal(vms, Probe.AllVmNames());
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Fact]
    public async Task A_clone_whose_task_cannot_be_followed_is_destroyed_and_the_source_kept()
    {
        var source = await Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256, Disks: [new DiskSpec(1)]), Ct);
        var sourceFiles = Files(source.Name);
        var vms = Probe.AllVmNames();
        var handler = new BreakAfter("<CloneVM_Task", esx.Vcsim.CertificateSha256);
        var driver = new VSphereDriver(new VSphereDriverOptions(), null, (_, _) => handler);
        await using var broken = (VSphereConnection)await driver.ConnectAsync(VcsimConnection.Target(esx.Vcsim), new HypervisorCredentials(esx.Vcsim.User, esx.Vcsim.Password), Ct);
        var name = GuestName();

        // vcsim makes the clone at once; the call after CloneVM_Task (reading its task) fails.
        await Assert.ThrowsAsync<HypervisorUnavailableException>(() => broken.CloneGuestAsync(source.Id, name, Ct));

        Assert.True(handler.Broke);
        Assert.Equal(vms, Probe.AllVmNames());
        Assert.Equal(sourceFiles, Files(source.Name));
        Assert.All(sourceFiles, f => Assert.True(File.Exists(OnDisk(f)), f));
    }

    /// <summary>Passes calls to vcsim (its certificate pinned) but fails the one call after a request whose body holds <c>marker</c>.</summary>
    private sealed class BreakAfter(string marker, string certificateSha256) : DelegatingHandler(new HttpClientHandler
    {
        UseCookies = false,
        ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            certificate is not null && Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.RawData)) == certificateSha256,
    })
    {
        private bool _armed;

        public bool Broke { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (_armed)
            {
                _armed = false;
                Broke = true;
                throw new HttpRequestException("injected: the connection dropped");
            }

            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            _armed = body.Contains(marker, StringComparison.Ordinal);
            return response;
        }
    }

    /// <summary>The datastore paths of a VM's disks.</summary>
    private List<string> Files(string name) => [.. Probe.DiskDevices(name).Select(d => d.Element(Vim + "backing")!.Element(Vim + "fileName")!.Value)];

    /// <summary>Where vcsim keeps a "[LocalDS_0] folder/file.vmdk" on this machine.</summary>
    private string OnDisk(string datastorePath)
    {
        var relative = datastorePath[(datastorePath.IndexOf(']', StringComparison.Ordinal) + 2)..];
        return Path.Combine(esx.Vcsim.DatastoreFolders[0], relative);
    }
}
