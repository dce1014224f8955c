using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Core.Inventory;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi.Inventory;

/// <summary>
/// Keeps one connection's guest list in memory, current by XenAPI's <c>event.from</c> (when the
/// calls below are made, the loop, strikes and read-your-writes: <see cref="KeptGuestInventory{TCursor}"/>):
/// <list type="bullet">
/// <item>the seed is one call, <c>event.from(classes, "", 0)</c>, which answers every record of
/// <see cref="GuestRecords.Classes"/> as "add" and the token they are current at;</item>
/// <item>the background loop asks <c>event.from(classes, token, 30 s)</c> again and again and applies
/// each batch, so changes made outside the gateway show within the pool's event delay; it runs
/// outside the call policy (its wait would hold a slot requests need);</item>
/// <item>read-your-writes: the session counts the calls that may have changed the pool
/// (<see cref="XenApiSession.CompletedWrites"/>). A list that finds more of them ended than the
/// records have caught up to first asks <c>event.from(classes, token, 0)</c> itself, which answers
/// at once with every change up to now, the gateway's own writes included. So no write path
/// needs a hook, and one call covers whatever a write touched (VBDs, VDIs, a clone's new VM);</item>
/// <item>a batch is applied only if it starts from the token the records are at (a compare and
/// swap), so a long wait that answers after a catch-up or a resync cannot set the records back;</item>
/// <item>any failure of the loop (the pool gone, EVENTS_LOST, a token refused) forgets the records:
/// the next list reads the pool again, with no backoff; a re-login (SESSION_INVALID) reseeds in
/// place; a pool that keeps refusing event.from leaves the inventory off, and every list then
/// reads the pool (the bulk reads), as without it.</item>
/// </list>
/// </summary>
/// <param name="readAll">The list read from the pool, for when the inventory is off.</param>
internal sealed class XenInventory(XenApiSession session, Func<CancellationToken, Task<IReadOnlyList<Guest>>> readAll, TimeSpan callTimeout, ILogger logger, string target)
    : KeptGuestInventory<XenInventory.EventCursor>(readAll, firstBackoff: TimeSpan.Zero, lastBackoff: TimeSpan.Zero)
{
    public static readonly TimeSpan PollWait = TimeSpan.FromSeconds(30);

    private readonly XenApiSession _session = session;
    private readonly GuestRecords _records = new();
    private readonly SemaphoreSlim _catchUp = new(1, 1);

    /// <summary>The token the records are current at, and the session's logins when they were seeded.</summary>
    internal sealed record EventCursor(string Token, int Logins);

    protected override long CompletedWrites => _session.CompletedWrites;

    protected override IReadOnlyList<Guest> KeptGuests() => _records.Guests();

    protected override void ClearRecords() => _records.Clear();

    /// <summary>
    /// The guests' idempotency stamps (guest uuid → stamp) as of now, other clients' changes
    /// included: once seeded, the records ask event.from for what changed since their token (one
    /// call, answered at once), as a write of this session would make them. A key's claim is read
    /// before this, so a stamp added before the claim went is seen here even if another gateway
    /// added it. Null when the inventory is off, not seeded, or moved meanwhile: then read the pool.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>?> StampsNowAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return null;
        }

        await ListAsync(cancellationToken); // seeds the records when they are not
        EventCursor? from;
        lock (Gate)
        {
            from = Cursor;
        }

        if (from is null)
        {
            return null;
        }

        var writes = _session.CompletedWrites;
        EventBatch batch;
        try
        {
            batch = await new XenApiCalls(_session).EventsSince(Classes(), from.Token, cancellationToken);
        }
        catch (SimplestackException error) when (!IsUnreachable(error))
        {
            return null; // EVENTS_LOST, a token refused: the loop deals with it; this read goes to the pool
        }

        lock (Gate)
        {
            return TryApply(from.Token, batch, writes, answered: false) ? _records.Stamps() : null;
        }
    }

    protected override bool IsStale(EventCursor cursor) => _session.Logins != cursor.Logins;

    /// <summary>Replaces every record with the pool's as of now: one event.from from the empty token.</summary>
    protected override async Task SeedAsync(int epoch, CancellationToken cancellationToken)
    {
        var writes = _session.CompletedWrites;
        var logins = _session.Logins;
        var batch = await new XenApiCalls(_session).EventsSince(Classes(), "", cancellationToken);
        lock (Gate)
        {
            if (epoch != Epoch)
            {
                return;
            }

            _records.Clear();
            _records.Apply(batch.Events);
            Seeded(new EventCursor(batch.Token, logins), writes);
        }
    }

    protected override async Task<bool> WaitForChangesAsync(EventCursor cursor, CancellationToken cancellationToken)
    {
        var writes = _session.CompletedWrites;
        var batch = await new XenApiCalls(_session).WaitForEvents(Classes(), cursor.Token, PollWait, PollWait + callTimeout, cancellationToken);
        TryApply(cursor.Token, batch, writes, answered: true);
        return batch.Events.Count == 0;
    }

    /// <summary>Asks for what changed since the records' token until they reflect every write counted in <paramref name="wanted"/>.</summary>
    protected override async Task<bool> CatchUpAsync(long wanted, CancellationToken cancellationToken)
    {
        await _catchUp.WaitAsync(cancellationToken);
        var epoch = 0;
        try
        {
            for (var attempt = 0; CaughtUpTo < wanted; attempt++)
            {
                EventCursor? from;
                lock (Gate)
                {
                    (from, epoch) = (Cursor, Epoch);
                }

                if (from is null || attempt == 3)
                {
                    await ForgetAsync(epoch); // Outrun three times by the loop: read everything again.
                    return true;
                }

                var writes = _session.CompletedWrites;
                var batch = await new XenApiCalls(_session).EventsSince(Classes(), from.Token, cancellationToken);
                TryApply(from.Token, batch, writes, answered: false);
            }

            return true;
        }
        catch (SimplestackException)
        {
            await ForgetAsync(epoch); // The write may not be in the records: nothing they hold can be answered now.
            throw;
        }
        finally
        {
            _catchUp.Release();
        }
    }

    /// <summary>Applies a batch asked from <paramref name="from"/> if the records are still at that token (true then).</summary>
    private bool TryApply(string from, EventBatch batch, long writes, bool answered)
    {
        lock (Gate)
        {
            if (!string.Equals(Cursor?.Token, from, StringComparison.Ordinal))
            {
                return false; // A catch-up or a resync got further meanwhile; the next ask starts from there.
            }

            _records.Apply(batch.Events);
            Cursor = Cursor! with { Token = batch.Token };
            CaughtUp(writes);
            if (answered)
            {
                Answered(); // the loop's own ask: the strikes start over
            }

            return true;
        }
    }

    protected override void LogFailed(string kind, string reason) => XenApiLog.InventoryFailed(logger, target, kind, reason);

    protected override void LogOff(int strikes) => XenApiLog.InventoryOff(logger, target, strikes);

    private static JsonArray Classes() => [.. GuestRecords.Classes.Select(c => (JsonNode?)JsonValue.Create(c))];
}
