using System.Text.Json;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Drivers.VSphere.Tests.Transfer;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>Idempotency keys and progress on a standalone ESX vcsim.</summary>
public sealed class VSphereIdempotencyTests(VcsimEsxFixture esx) : VSphereIdempotencyTestBase(esx.Vcsim), IClassFixture<VcsimEsxFixture>;

/// <summary>Idempotency keys and progress on a vCenter vcsim (its FileManager wants the datacenter named).</summary>
public sealed class VSphereVpxIdempotencyTests(VcsimVpxFixture vpx) : VSphereIdempotencyTestBase(vpx.Vcsim), IClassFixture<VcsimVpxFixture>;

/// <summary>
/// Where the vmware driver keeps idempotency keys, seen from outside the driver: the stamp in the
/// VM's extraConfig as pyVmomi reads it, the markers as directories in vcsim's datastore folder,
/// the ledger of a guest's disks and NICs; and the progress long work reports. The shared cases
/// are in DriverConformance.Idempotency.cs.
/// </summary>
public abstract class VSphereIdempotencyTestBase(VcsimProcess server) : VSphereNetworkTestBase(server)
{
    private readonly VcsimProcess _vcsim = server;

    private const string StampKey = "simplestack.idempotency";

    private IIdempotentCreation Keys => Connection;

    [Fact]
    public async Task A_keyed_create_and_its_keyed_clone_carry_their_own_stamps_as_pyVmomi_reads_them()
    {
        var sourceStamp = NewStamp();
        var source = await Keyed(sourceStamp, () => Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256, Disks: [new DiskSpec(1)]), Ct));
        var cloneStamp = NewStamp();
        var clone = await Keyed(cloneStamp, () => Connection.CloneGuestAsync(source.Id, GuestName(), Ct));
        var plain = await Connection.CloneGuestAsync(source.Id, GuestName(), Ct);

        Assert.Equal(sourceStamp.ToString(), await ExtraConfigAsync(source.Name, StampKey));
        Assert.Equal(cloneStamp.ToString(), await ExtraConfigAsync(clone.Name, StampKey));
        // A clone made without a key carries none: not its source's (vSphere would copy it; the spec clears it).
        Assert.True(string.IsNullOrEmpty(await ExtraConfigAsync(plain.Name, StampKey)));
        Assert.Equal(clone.Id, (await Keys.FindCreatedAsync(CreatedScope.Guests, cloneStamp.KeyHash, Ct))?.CreatedId);
    }

    [Fact]
    public async Task Two_gateways_claiming_one_key_at_once_leave_one_marker_and_one_winner()
    {
        await using var other = await VcsimConnection.OpenAsync(_vcsim, cancellationToken: Ct);
        var stamp = NewStamp();
        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            IIdempotentCreation keys = i % 2 == 0 ? Connection : other;
            try
            {
                return await keys.MarkStartedAsync(CreatedScope.Guests, stamp, TimeSpan.FromMinutes(5), Ct);
            }
            catch (OperationInProgressException error)
            {
                Assert.InRange(error.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(5));
                return null;
            }
        }));

        var winner = Assert.Single(claims, c => c is not null)!;
        var marker = MarkerDirectory(stamp.KeyHash);
        Assert.True(Directory.Exists(marker), marker);
        var inside = Assert.Single(Directory.GetDirectories(marker));
        Assert.StartsWith($"{stamp.BodyHash}.", Path.GetFileName(inside), StringComparison.Ordinal);

        await winner.DisposeAsync();
        Assert.False(Directory.Exists(marker), marker);
        Assert.Null(await Keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct));
    }

    [Fact]
    public async Task A_claim_whose_maker_died_before_its_inside_holds_for_a_minute_only()
    {
        var stamp = NewStamp();
        var marker = MarkerDirectory(stamp.KeyHash);
        Directory.CreateDirectory(marker); // What a gateway leaves that dies between MakeDirectory's two calls.

        await Assert.ThrowsAsync<OperationInProgressException>(() => Keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct));
        await Assert.ThrowsAsync<OperationInProgressException>(() => Keys.MarkStartedAsync(CreatedScope.Guests, stamp, TimeSpan.FromMinutes(5), Ct));

        Directory.SetLastWriteTimeUtc(marker, DateTime.UtcNow.AddMinutes(-2));
        Assert.Null(await Keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct));
        await using var claim = await Keys.MarkStartedAsync(CreatedScope.Guests, stamp, TimeSpan.FromMinutes(5), Ct);
        Assert.Equal(stamp.BodyHash, (await Keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct))?.BodyHash);
    }

    [Fact]
    public async Task A_clone_reports_its_task_s_progress_from_0_to_100()
    {
        var source = await Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256, Disks: [new DiskSpec(1)]), Ct);
        var progress = new List<WorkProgress>();

        await Keyed(null, () => Connection.CloneGuestAsync(source.Id, GuestName(), Ct), progress);

        // vcsim runs a task within its call and sets no info.progress: only the ends are seen here.
        Assert.Equal([0d, 100d], progress.Select(p => p.Percent));
        Assert.All(progress, p => Assert.Equal("cloning", p.Phase));
    }

    [Fact]
    public async Task A_guest_from_a_template_reports_cloning_then_configuring()
    {
        await VcsimTemplates.EnsureAsync(_vcsim);
        var progress = new List<WorkProgress>();

        await Keyed(null, () => Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 384, Image: VcsimTemplates.Name, Disks: [new DiskSpec(2)]), Ct), progress);

        Assert.Equal([(0d, "cloning"), (90d, "cloning"), (90d, "configuring"), (100d, "configuring")], progress.Select(p => (p.Percent, p.Phase)));
    }

    [Fact]
    public async Task A_keyed_disk_is_recorded_in_the_spec_that_adds_it_and_a_keyed_nic_after_it()
    {
        var guest = await Connection.CreateGuestAsync(new GuestCreateRequest(GuestName(), 256, Disks: [new DiskSpec(1)]), Ct);
        var diskStamp = NewStamp();
        var nicStamp = NewStamp();

        var disk = await Keyed(diskStamp, () => Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(1), Ct));
        var nic = await Keyed(nicStamp, () => Connection.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("VM Network"), Ct));

        Assert.Equal(disk.Id, (await Keys.FindCreatedAsync(CreatedScope.On(guest.Id, CreatedKind.Disk), diskStamp.KeyHash, Ct))?.CreatedId);
        Assert.Equal(nic.Id, (await Keys.FindCreatedAsync(CreatedScope.On(guest.Name, CreatedKind.NetworkInterface), nicStamp.KeyHash, Ct))?.CreatedId);
        // The ledger as another client reads it.
        var ledger = IdempotencyLedger.Parse(await ExtraConfigAsync(guest.Name, "simplestack.ledger"));
        Assert.Contains(ledger, e => e is { Kind: CreatedKind.Disk, WorkingUntil: null } && e.Stamp == diskStamp && e.CreatedId == disk.Id);
        Assert.Contains(ledger, e => e is { Kind: CreatedKind.NetworkInterface } && e.Stamp == nicStamp && e.CreatedId == nic.Id);
        // A clone does not take its source's ledger.
        var clone = await Connection.CloneGuestAsync(guest.Id, GuestName(), Ct);
        Assert.Null(await Keys.FindCreatedAsync(CreatedScope.On(clone.Id, CreatedKind.Disk), diskStamp.KeyHash, Ct));
    }

    [Fact]
    public async Task A_keyed_import_carries_its_stamp_and_reports_the_bytes_it_uploads()
    {
        var name = GuestName();
        var (guest, _) = await OvaTestKit.CreateGuestWithDataAsync(Connection, _vcsim, Probe, name, 300 * 1024, Ct);
        var ova = await OvaTestKit.ExportAsync(Connection, guest.Id, Ct);
        await Connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);
        var stamp = NewStamp();
        var progress = new List<WorkProgress>();

        var imported = await Keyed(stamp, () => Connection.ImportGuestAsync(new MemoryStream(ova), ova.Length, null, Ct), progress);

        Assert.Equal(imported.Id, (await Keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct))?.CreatedId);
        Assert.Equal(stamp.ToString(), await ExtraConfigAsync(name, StampKey));
        var uploading = progress.Where(p => p.Phase == "uploading").Select(p => p.Percent).ToList();
        Assert.True(uploading.Count > 3, string.Join(", ", progress));
        Assert.Equal(0, uploading[0]);
        Assert.Contains(uploading, p => p is > 0 and < 99);
        Assert.Equal(99, uploading[^1]);
        Assert.Equal(new WorkProgress(100, "completing"), progress[^1]);
        for (var i = 1; i < progress.Count; i++)
        {
            Assert.True(progress[i].Percent > progress[i - 1].Percent, string.Join(", ", progress));
        }
    }

    private static IdempotencyStamp NewStamp() => IdempotencyStamp.Of(Guid.NewGuid().ToString(), "body");

    private string MarkerDirectory(string keyHash) => Probe.LocalPath($"[LocalDS_0] simplestack-markers/{keyHash}");

    private async Task<string?> ExtraConfigAsync(string vmName, string key)
    {
        var vm = await PyVmomi.RunAsync("pyvmomi_inspect.py", _vcsim, Ct, vmName);
        return vm.GetProperty("extraConfig").TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static async Task<T> Keyed<T>(IdempotencyStamp? stamp, Func<Task<T>> work, List<WorkProgress>? progress = null)
    {
        using var _ = WorkContext.Begin(new WorkContext { Idempotency = stamp, Progress = progress is null ? null : new Collect(progress) });
        return await work();
    }

    private sealed class Collect(List<WorkProgress> into) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value)
        {
            lock (into)
            {
                into.Add(value);
            }
        }
    }
}
