namespace Simplestack.Core.Inventory;

/// <summary>
/// One connection's guest list kept in memory by a hypervisor's change feed (xen's event.from,
/// vSphere's WaitForUpdatesEx): the machinery that does not depend on the feed. A subclass keeps
/// the records and a <typeparamref name="TCursor"/> (where in the feed they are: a token, a
/// version) and speaks the protocol through the hooks; this class decides when they run:
/// <list type="bullet">
/// <item>the first list seeds (single-flight, <see cref="SeedAsync"/>); from then on lists answer
/// from memory (<see cref="KeptGuests"/>), with no call;</item>
/// <item>one background loop waits for changes (<see cref="WaitForChangesAsync"/>) again and
/// again, only while lists are being served (<see cref="ActiveWindow"/>); it seeds again in place
/// after a re-login (<see cref="IsStale"/>) or every <see cref="ResyncInterval"/>;</item>
/// <item>read-your-writes: a list that finds more writes ended (<see cref="CompletedWrites"/>)
/// than the records have caught up to (<see cref="CaughtUp"/>) first asks for a catch-up
/// (<see cref="CatchUpAsync"/>);</item>
/// <item>a failure of the loop forgets the records (<see cref="DropAsync"/> frees what the cursor
/// holds) and, with a backoff, lists read in bulk for a while; a hypervisor that refuses the feed
/// <see cref="Strikes"/> times in a row turns the inventory off: every list then reads in bulk.
/// A hypervisor that does not answer at all fails the list as a bulk read would.</item>
/// </list>
/// Whatever reads or writes <see cref="Cursor"/> or the subclass's records holds <see cref="Gate"/>.
/// </summary>
/// <typeparam name="TCursor">Where the records are in the feed; null while not seeded.</typeparam>
public abstract partial class KeptGuestInventory<TCursor> : IAsyncDisposable
    where TCursor : class
{
    /// <summary>The loop stops (and the records are forgotten) when no list was served for this long.</summary>
    public static readonly TimeSpan ActiveWindow = TimeSpan.FromMinutes(2);

    /// <summary>The records are read again whole this often, a safety net for a change the feed missed.</summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromMinutes(10);

    /// <summary>Refusals by the hypervisor itself (not an unreachable one) in a row before the inventory is turned off.</summary>
    public const int Strikes = 3;

    /// <summary>A feed that answers "nothing" sooner than this is asked again only after it.</summary>
    protected static readonly TimeSpan MinimumPoll = TimeSpan.FromSeconds(1);

    /// <summary>How long disposal waits for the loop, and a subclass for its cleanup calls.</summary>
    protected static readonly TimeSpan CleanupLimit = TimeSpan.FromSeconds(5);

    private readonly Func<CancellationToken, Task<IReadOnlyList<Guest>>> _readAll;
    private readonly TimeSpan _firstBackoff;
    private readonly TimeSpan _lastBackoff;
    private readonly CancellationTokenSource _stop = new();
    private long _caughtUpTo; // the write count read before the call whose answer the records reflect
    private TaskCompletionSource _moved = NewMoved();
    private int _epoch;
    private long _seededAt;
    private long _lastListAt;
    private long _retryAt;
    private TimeSpan _backoff;
    private Task? _seeding;
    private Task _watching = Task.CompletedTask;
    private int _strikes;
    private int _seeds;
    private volatile bool _disabled;

    /// <param name="readAll">The list read in bulk, for when the inventory is off or backing off.</param>
    /// <param name="firstBackoff">How long lists read in bulk after the loop failed (doubling up to <paramref name="lastBackoff"/>); zero: the next list seeds again.</param>
    protected KeptGuestInventory(Func<CancellationToken, Task<IReadOnlyList<Guest>>> readAll, TimeSpan firstBackoff, TimeSpan lastBackoff)
    {
        _readAll = readAll;
        _firstBackoff = _backoff = firstBackoff;
        _lastBackoff = lastBackoff;
    }

    /// <summary>False once the hypervisor has refused the feed <see cref="Strikes"/> times in a row: lists read in bulk each time.</summary>
    public bool Enabled => !_disabled;

    /// <summary>Whether lists answer from memory now.</summary>
    public bool IsSeeded
    {
        get
        {
            lock (Gate)
            {
                return Cursor is not null;
            }
        }
    }

    /// <summary>Seeds made so far (the first list's, resyncs, re-logins, after a failure).</summary>
    public int Seeds => Volatile.Read(ref _seeds);

    /// <summary>Whether the background loop runs (for tests: disposal leaves none).</summary>
    public bool IsWatching
    {
        get
        {
            lock (Gate)
            {
                return !_watching.IsCompleted;
            }
        }
    }

    /// <summary>Held by whatever reads or writes <see cref="Cursor"/> or the records.</summary>
    protected Lock Gate { get; } = new();

    /// <summary>Where the records are in the feed (under <see cref="Gate"/>); null: not seeded, lists do not answer from memory.</summary>
    protected TCursor? Cursor { get; set; }

    /// <summary>Counts the seeds that start a loop; a seed or a forget that names an older one does nothing (read under <see cref="Gate"/>).</summary>
    protected int Epoch => _epoch;

    /// <summary>The write count the records reflect (see <see cref="CompletedWrites"/>).</summary>
    protected long CaughtUpTo => Interlocked.Read(ref _caughtUpTo);

    /// <summary>Completes when the records move (seeded, caught up, forgotten): what a list waiting for a catch-up waits on (read under <see cref="Gate"/>).</summary>
    protected Task Moved => _moved.Task;

    /// <summary>Cancelled when the inventory is disposed.</summary>
    protected CancellationToken Stopping => _stop.Token;

    /// <summary>The session's count of calls that may have changed the hypervisor and have ended.</summary>
    protected abstract long CompletedWrites { get; }

    /// <summary>Every guest the records hold (called under <see cref="Gate"/>).</summary>
    protected abstract IReadOnlyList<Guest> KeptGuests();

    /// <summary>Empties the records (called under <see cref="Gate"/>).</summary>
    protected abstract void ClearRecords();

    /// <summary>Whether <paramref name="cursor"/> belongs to a session that is gone (a re-login): the loop seeds again (called under <see cref="Gate"/>).</summary>
    protected abstract bool IsStale(TCursor cursor);

    /// <summary>
    /// Reads every record anew and puts them in place with <see cref="Seeded"/>, under <see cref="Gate"/>
    /// and only while <see cref="Epoch"/> is still <paramref name="epoch"/>. Returning normally counts a seed.
    /// </summary>
    protected abstract Task SeedAsync(int epoch, CancellationToken cancellationToken);

    /// <summary>
    /// One turn of the loop: waits for the changes since <paramref name="cursor"/> and applies them
    /// (raising <see cref="CaughtUp"/>, calling <see cref="Answered"/>). True when the feed answered
    /// nothing (the loop then waits <see cref="MinimumPoll"/> if it answered at once). A failure
    /// thrown forgets the records and counts a strike.
    /// </summary>
    protected abstract Task<bool> WaitForChangesAsync(TCursor cursor, CancellationToken cancellationToken);

    /// <summary>
    /// Brings the records up to <paramref name="wanted"/> writes. False: this list reads in bulk; true
    /// with the records forgotten: this list seeds again (once). A refusal thrown reads in bulk too.
    /// </summary>
    protected abstract Task<bool> CatchUpAsync(long wanted, CancellationToken cancellationToken);

    /// <summary>Frees what a forgotten or replaced cursor holds on the hypervisor (nothing by default).</summary>
    protected virtual Task DropAsync(TCursor cursor) => Task.CompletedTask;

    /// <summary>Logs a failure of the feed (the error's kind and message, which never carry a credential).</summary>
    protected abstract void LogFailed(string kind, string reason);

    /// <summary>Logs that the inventory is off after <paramref name="strikes"/> refusals.</summary>
    protected abstract void LogOff(int strikes);

    public async Task<IReadOnlyList<Guest>> ListAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastListAt, Environment.TickCount64);
        var wanted = CompletedWrites; // every write that ended before this list must show in it
        for (var attempt = 0; attempt < 2 && !_disabled; attempt++)
        {
            if (!await EnsureSeededAsync(cancellationToken))
            {
                break;
            }

            try
            {
                if (CaughtUpTo < wanted && !await CatchUpAsync(wanted, cancellationToken))
                {
                    break; // Could not catch up: this list reads in bulk.
                }
            }
            catch (SimplestackException error) when (!IsUnreachable(error))
            {
                break; // The hypervisor answered the catch-up with an error: this list reads in bulk.
            }

            lock (Gate)
            {
                if (Cursor is not null)
                {
                    return KeptGuests();
                }
            }

            // Forgotten meanwhile (the loop failed): seed again, once.
        }

        return await _readAll(cancellationToken);
    }

    /// <summary>Makes the records just put in place current at <paramref name="cursor"/>, reflecting <paramref name="writes"/> (call under <see cref="Gate"/>).</summary>
    protected void Seeded(TCursor cursor, long writes)
    {
        Cursor = cursor;
        _caughtUpTo = writes; // assigned, not raised: the records are this answer now, nothing later
        _seededAt = Environment.TickCount64;
        Move();
        TellChanges();
    }

    /// <summary>The records reflect every write counted in <paramref name="writes"/> (call under <see cref="Gate"/>).</summary>
    protected void CaughtUp(long writes)
    {
        _caughtUpTo = Math.Max(_caughtUpTo, writes);
        Move();
        TellChanges();
    }

    /// <summary>The feed answered and the records took it: the strikes and the backoff start over (call under <see cref="Gate"/>).</summary>
    protected void Answered()
    {
        Volatile.Write(ref _strikes, 0);
        _backoff = _firstBackoff;
    }

    /// <summary>Forgets the records (the next list seeds again) unless a forget or seed came after <paramref name="epoch"/>.</summary>
    protected async Task ForgetAsync(int epoch) => await DropIfAnyAsync(Forget(epoch, failed: false));

    /// <summary>The hypervisor did not answer (gone, hung, refused the login): no reason to stop using the inventory once it is back.</summary>
    protected static bool IsUnreachable(SimplestackException error)
        => error.Kind is ErrorKind.HypervisorUnavailable or ErrorKind.HypervisorTimeout or ErrorKind.Unauthorized;

    /// <summary>True when seeded; false when the hypervisor refused the seed or a backoff runs (this list reads in bulk).</summary>
    private async Task<bool> EnsureSeededAsync(CancellationToken cancellationToken)
    {
        Task seeding;
        lock (Gate)
        {
            if (Cursor is not null)
            {
                return true;
            }

            if (_seeding is null && Environment.TickCount64 < _retryAt)
            {
                return false;
            }

            seeding = _seeding ??= Task.Run(SeedAndWatchAsync);
        }

        try
        {
            await seeding.WaitAsync(cancellationToken);
            return true;
        }
        catch (SimplestackException error) when (!IsUnreachable(error))
        {
            return false;
        }
    }

    /// <summary>Wakes what waits on <see cref="Moved"/> (called under the gate).</summary>
    private void Move()
    {
        _moved.TrySetResult();
        _moved = NewMoved();
    }

    private static TaskCompletionSource NewMoved() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Stops the loop promptly (its wait is cancelled), forgets the records and drops their cursor; the connection logs the session out after.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Task[] running;
        lock (Gate)
        {
            running = [_watching, _seeding ?? Task.CompletedTask];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(CleanupLimit);
        }
        catch (Exception)
        {
            // Cancelled or failed: either way it has stopped (or will, its answer dropped).
        }

        TCursor? last;
        lock (Gate)
        {
            (last, Cursor) = (Cursor, null);
            ClearRecords();
            Move();
            TellLost();
        }

        await DropIfAnyAsync(last);
        GC.SuppressFinalize(this);
    }
}
