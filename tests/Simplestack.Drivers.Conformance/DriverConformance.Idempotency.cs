using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;

namespace Simplestack.Drivers.Conformance;

// Idempotency keys (API.md §9) as a driver keeps them: the stamp recorded on what the work makes,
// found again by key; the marker that claims a key while nothing exists yet; and progress reported
// on long work. The HTTP answers built on these are the server's tests.
public abstract partial class DriverConformance
{
    private static IdempotencyStamp NewStamp(string body = "body") => IdempotencyStamp.Of(Guid.NewGuid().ToString(), body);

    /// <summary>Runs <paramref name="work"/> as a keyed request would, with <paramref name="stamp"/> and a progress sink.</summary>
    protected static async Task<T> Keyed<T>(IdempotencyStamp? stamp, Func<Task<T>> work, List<WorkProgress>? progress = null)
    {
        using var _ = WorkContext.Begin(new WorkContext
        {
            Idempotency = stamp,
            Progress = progress is null ? null : new Collect(progress),
        });
        return await work();
    }

    [Fact]
    public Task A_keyed_create_is_found_by_its_key() => WhenSupported<IIdempotentCreation>(async keys =>
    {
        var stamp = NewStamp();
        Assert.Null(await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct));

        var guest = await Keyed(stamp, () => Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("key")), Ct));

        var found = await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct);
        Assert.NotNull(found);
        Assert.True(found.IsDone);
        Assert.Equal(guest.Id, found.CreatedId);
        Assert.Equal(stamp.BodyHash, found.BodyHash);

        // A guest made without a key carries none, and another key finds nothing.
        await CreateGuestAsync();
        Assert.Null(await keys.FindCreatedAsync(CreatedScope.Guests, NewStamp().KeyHash, Ct));
    });

    [Fact]
    public Task A_keyed_clone_is_found_by_its_key_and_the_source_is_not() => WhenSupported<IIdempotentCreation>(async keys =>
    {
        if (Connection is not IGuestCloning cloning)
        {
            return;
        }

        var sourceStamp = NewStamp();
        var source = await Keyed(sourceStamp, () => Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("src")), Ct));
        var stamp = NewStamp("clone");
        var progress = new List<WorkProgress>();
        var clone = await Keyed(stamp, () => cloning.CloneGuestAsync(source.Id, Unique("cln"), Ct), progress);

        Assert.Equal(clone.Id, (await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct))?.CreatedId);
        // The clone carries its own key, not a copy of its source's.
        Assert.Equal(source.Id, (await keys.FindCreatedAsync(CreatedScope.Guests, sourceStamp.KeyHash, Ct))?.CreatedId);
        Assert.NotEmpty(progress);
        AssertProgress(progress);
    });

    [Fact]
    public Task A_marker_claims_a_key_once_until_it_is_removed() => WhenSupported<IIdempotentCreation>(async keys =>
    {
        var stamp = NewStamp();
        var marker = await keys.MarkStartedAsync(CreatedScope.Guests, stamp, TimeSpan.FromMinutes(5), Ct);
        try
        {
            var working = await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct);
            Assert.NotNull(working);
            Assert.False(working.IsDone);
            Assert.Equal(stamp.BodyHash, working.BodyHash);
            Assert.True(working.WorkingUntil > DateTimeOffset.UtcNow);

            var again = await Assert.ThrowsAsync<OperationInProgressException>(
                () => keys.MarkStartedAsync(CreatedScope.Guests, stamp, TimeSpan.FromMinutes(5), Ct));
            Assert.True(again.RetryAfter > TimeSpan.Zero);
        }
        finally
        {
            await marker.DisposeAsync();
        }

        Assert.Null(await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct));
        await using var second = await keys.MarkStartedAsync(CreatedScope.Guests, stamp, TimeSpan.FromMinutes(5), Ct);
        Assert.NotNull(await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct));
    });

    [Fact]
    public Task A_marker_past_its_lease_holds_nothing() => WhenSupported<IIdempotentCreation>(async keys =>
    {
        var stamp = NewStamp();
        // A gateway that died holding the key: its marker stays in the hypervisor, but only for its lease.
        var abandoned = await keys.MarkStartedAsync(CreatedScope.Guests, stamp, TimeSpan.FromSeconds(1), Ct);
        await Task.Delay(TimeSpan.FromSeconds(2.2), Ct);

        Assert.Null(await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct));
        await using var taken = await keys.MarkStartedAsync(CreatedScope.Guests, stamp, TimeSpan.FromMinutes(5), Ct);
        Assert.False((await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct))?.IsDone);
        await abandoned.DisposeAsync(); // removes nothing of the new holder's
        Assert.NotNull(await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct));
    });

    [Fact]
    public Task A_keyed_snapshot_is_recorded_on_its_guest() => WhenSupported<IIdempotentCreation>(async keys =>
    {
        if (Connection is not ISnapshotManagement snapshots)
        {
            return;
        }

        var guest = await CreateGuestAsync();
        var scope = CreatedScope.On(guest.Id, CreatedKind.Snapshot);
        var stamp = NewStamp();
        var marker = await keys.MarkStartedAsync(scope, stamp, TimeSpan.FromMinutes(5), Ct);
        await Assert.ThrowsAsync<OperationInProgressException>(() => keys.MarkStartedAsync(scope, stamp, TimeSpan.FromMinutes(5), Ct));
        var snapshot = await Keyed(stamp, () => snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("keyed"), Ct));
        await marker.DisposeAsync();

        var found = await keys.FindCreatedAsync(scope, stamp.KeyHash, Ct);
        Assert.Equal(snapshot.Id, found?.CreatedId);
        Assert.Equal(stamp.BodyHash, found?.BodyHash);
        // Keys are looked up per kind: the same key says nothing of disks or guests.
        Assert.Null(await keys.FindCreatedAsync(CreatedScope.On(guest.Id, CreatedKind.Disk), stamp.KeyHash, Ct));
        Assert.Null(await keys.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct));
    });

    [Fact]
    public Task Claims_made_at_once_through_separate_connections_let_exactly_one_through() => WhenSupported<IIdempotentCreation>(async keys =>
    {
        if (!ConnectionsShareOneHypervisor)
        {
            return;
        }

        // Two gateway processes are two connections: only the hypervisor can make one claim win,
        // for a guest not made yet and for what is made on a guest alike.
        var guest = await CreateGuestAsync();
        var others = new List<IHypervisorConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                others.Add(await ConnectAsync());
            }

            foreach (var scope in new[] { CreatedScope.Guests, CreatedScope.On(guest.Id, CreatedKind.Snapshot) })
            {
                var stamp = NewStamp();
                var attempts = others.SelectMany(c => new[] { c, c }).Select(c => Task.Run(() => ((IIdempotentCreation)c).MarkStartedAsync(scope, stamp, TimeSpan.FromMinutes(5), Ct))).ToList();
                await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));

                var won = attempts.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result).ToList();
                var refused = attempts.Where(a => a.IsFaulted).Select(a => a.Exception!.GetBaseException()).ToList();
                foreach (var marker in won)
                {
                    await marker.DisposeAsync();
                }

                Assert.True(won.Count == 1, $"{scope.Kind}: {won.Count} of {attempts.Count} claims won");
                Assert.All(refused, e => Assert.IsType<OperationInProgressException>(e));
            }
        }
        finally
        {
            foreach (var other in others)
            {
                await other.DisposeAsync();
            }
        }
    });

    [Fact]
    public Task A_revert_keeps_what_keys_made_on_the_guest() => WhenSupported<IIdempotentCreation>(async keys =>
    {
        if (Connection is not ISnapshotManagement snapshots)
        {
            return;
        }

        // A hypervisor's revert puts back the guest's configuration as the snapshot saw it, from
        // before the snapshot's own key was recorded: a retry of that request must still find it.
        var guest = await CreateGuestAsync();
        var first = NewStamp();
        var snapshot = await Keyed(first, () => snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("first"), Ct));
        var second = NewStamp();
        var later = await Keyed(second, () => snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("later"), Ct));

        await snapshots.RevertSnapshotAsync(guest.Id, snapshot.Id, Ct);

        var scope = CreatedScope.On(guest.Id, CreatedKind.Snapshot);
        Assert.Equal(snapshot.Id, (await keys.FindCreatedAsync(scope, first.KeyHash, Ct))?.CreatedId);
        Assert.Equal(later.Id, (await keys.FindCreatedAsync(scope, second.KeyHash, Ct))?.CreatedId);
    });

    [Fact]
    public Task Keys_on_an_unknown_guest_are_not_found() => WhenSupported<IIdempotentCreation>(async keys =>
    {
        var scope = CreatedScope.On(Guid.NewGuid().ToString(), CreatedKind.Snapshot);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => keys.FindCreatedAsync(scope, NewStamp().KeyHash, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => keys.MarkStartedAsync(scope, NewStamp(), TimeSpan.FromMinutes(1), Ct));
    });

    /// <summary>Progress, where reported, stays within 0-100 and never goes back.</summary>
    protected static void AssertProgress(IReadOnlyList<WorkProgress> progress)
    {
        Assert.All(progress, p => Assert.InRange(p.Percent, 0, 100));
        Assert.All(progress, p => Assert.False(string.IsNullOrWhiteSpace(p.Phase)));
        for (var i = 1; i < progress.Count; i++)
        {
            Assert.True(progress[i].Percent >= progress[i - 1].Percent, $"progress went back: {progress[i - 1]} then {progress[i]}");
        }
    }

    /// <summary>Collects reports as they come (IProgress's Progress&lt;T&gt; would post them later, to a context).</summary>
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
