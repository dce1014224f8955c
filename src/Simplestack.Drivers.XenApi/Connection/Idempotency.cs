using System.Globalization;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Drivers.XenApi.Inventory;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Idempotency keys (API.md §9), kept in the pool's own other_config maps:
// - a guest made with a key carries other_config["simplestack_idempotency"] = its stamp, added
//   right after the VM.clone or import that makes it (neither takes an other_config) and undone
//   with it; FindCreated(Guests) reads the inventory's VM records (other_config included),
//   brought up to now by one event.from, else one VM.get_all_records;
// - a claim while nothing exists yet is a key of its own, "simplestack_creating_...": in the
//   pool's other_config for guests, in the guest's for its snapshots, disks and NICs. xapi's
//   add_to_other_config refuses a key that is there (MAP_DUPLICATE_KEY), so adding it is the
//   atomic claim only one request wins. Its value is "<stamp> <unix-until> <nonce>": the nonce
//   makes every claim's value its own, so a release removes only its own, and a pool run with
//   db_idempotent_map (which accepts an add of the same value) still refuses a second claim;
// - what keyed requests made on a guest (done entries) is its ledger,
//   other_config["simplestack_ledger"] (IdempotencyLedger), rewritten by remove + add. XenAPI
//   has no compare-and-set of one map value, so writers take turns: the turn is one more key,
//   "simplestack_ledger_turn" = "<unix-until> <nonce>", added (atomically, as a claim) before the
//   rewrite and removed after; a dead holder's turn ends with its 30 s lease. A lookup that finds
//   no ledger while a turn is held waits for the rewrite to end (the ledger is missing only
//   between its remove and its add). This process's rewrites also go one at a time.
public sealed partial class XenApiConnection : IIdempotentCreation
{
    internal const string StampKey = "simplestack_idempotency";
    internal const string LedgerKey = "simplestack_ledger";
    internal const string LedgerTurnKey = "simplestack_ledger_turn";
    private const string ClaimPrefix = "simplestack_creating_";

    // XenAPI has no compare-and-set of a map value: this process's ledger rewrites go one at a time.
    private readonly SemaphoreSlim _ledgerWrites = new(1, 1);

    // How long a ledger rewrite (or a lookup) waits for another gateway's turn, and how long a turn
    // holds if its gateway dies holding it.
    private static readonly TimeSpan LedgerTurnWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LedgerTurnLease = TimeSpan.FromSeconds(30);

    /// <summary>Where a claim is kept: the pool's other_config (guests) or a guest's (what is made on it).</summary>
    private sealed record ClaimHolder(string Class, string Ref);

    public async Task<IdempotencyRecord?> FindCreatedAsync(CreatedScope scope, string keyHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var now = DateTimeOffset.UtcNow;
        if (scope.Kind == CreatedKind.Guest)
        {
            // The claim first, the guests after: work that ended (stamp added, then claim removed)
            // before the claim is read has its stamp in the guests read after it.
            var pool = await PoolRefAsync(cancellationToken);
            var claim = LiveClaim((await Call.PoolOtherConfig(pool, cancellationToken)).GetValueOrDefault(ClaimKey(scope, keyHash)), now);
            return await FindStampedGuestAsync(keyHash, cancellationToken) is { } made
                ? new IdempotencyRecord(made.Stamp.BodyHash, made.Id)
                : claim?.Record;
        }

        var (vmRef, vm) = await FindVmAsync(GuestOf(scope), cancellationToken);
        var config = vm.OtherConfig;
        if (!config.ContainsKey(LedgerKey) && TurnUntil(config.GetValueOrDefault(LedgerTurnKey)) > now)
        {
            config = await OtherConfigAfterTurnAsync(vmRef, cancellationToken); // a rewrite under way: its ledger is between remove and add
        }

        return IdempotencyLedger.Find(IdempotencyLedger.Parse(config.GetValueOrDefault(LedgerKey)), scope.Kind, keyHash, now)
               ?? LiveClaim(config.GetValueOrDefault(ClaimKey(scope, keyHash)), now)?.Record;
    }

    public async Task<IAsyncDisposable> MarkStartedAsync(CreatedScope scope, IdempotencyStamp stamp, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(stamp);
        var holder = scope.Kind == CreatedKind.Guest
            ? new ClaimHolder("pool", await PoolRefAsync(cancellationToken))
            : new ClaimHolder("VM", (await FindVmAsync(GuestOf(scope), cancellationToken)).Ref);
        var key = ClaimKey(scope, stamp.KeyHash);
        var until = DateTimeOffset.UtcNow + lease;
        var value = string.Create(CultureInfo.InvariantCulture, $"{stamp} {until.ToUnixTimeSeconds()} {Guid.NewGuid():N}");

        for (var attempt = 0; ; attempt++)
        {
            if (await TryAddClaimAsync(holder, key, value, cancellationToken))
            {
                return new Claim(this, holder, key, value);
            }

            var held = (await ReadOtherConfigAsync(holder, cancellationToken)).GetValueOrDefault(key);
            var live = LiveClaim(held, DateTimeOffset.UtcNow);
            if (live is not null || attempt > 0)
            {
                throw OperationInProgressException.KeyAtWork(live?.Until, DateTimeOffset.UtcNow);
            }

            // A claim past its lease (its gateway died) holds nothing: it goes, and the claim is made once more.
            if (held is not null)
            {
                await RemoveFromOtherConfigAsync(holder, key, cancellationToken);
            }
        }
    }

    /// <summary>Records on the guest what a keyed request made on it, when the work has a stamp; nothing otherwise.</summary>
    private async Task RecordMadeAsync(string vmRef, CreatedKind kind, string createdId, CancellationToken cancellationToken)
    {
        if (WorkContext.Current?.Idempotency is not { } stamp)
        {
            return;
        }

        await _ledgerWrites.WaitAsync(cancellationToken);
        try
        {
            await using var turn = await TakeLedgerTurnAsync(vmRef, cancellationToken);

            // A rewrite by a gateway that did not wait for its turn makes the add fail (MAP_DUPLICATE_KEY): read again and retry.
            for (var attempt = 0; ; attempt++)
            {
                var now = DateTimeOffset.UtcNow;
                var entries = IdempotencyLedger.Parse((await Call.VmOtherConfig(vmRef, cancellationToken)).GetValueOrDefault(LedgerKey));
                var text = IdempotencyLedger.Write(IdempotencyLedger.With(entries, new IdempotencyEntry(kind, stamp, createdId, now, null)), now);
                await Call.RemoveFromVmOtherConfig(vmRef, LedgerKey, cancellationToken);
                try
                {
                    await Call.AddToVmOtherConfig(vmRef, LedgerKey, text, cancellationToken);
                    return;
                }
                catch (SimplestackException error) when (IsDuplicateKey(error) && attempt < 2)
                {
                }
            }
        }
        finally
        {
            _ledgerWrites.Release();
        }
    }

    /// <summary>
    /// Puts the guest's ledger back as it was before a revert: xapi's revert copies the snapshot's
    /// other_config onto the guest, which would forget what keys made since the snapshot (the
    /// snapshot's own entry among them), and a retry would make it again.
    /// </summary>
    private async Task RestoreLedgerAsync(string vmRef, string? before, CancellationToken cancellationToken)
    {
        await _ledgerWrites.WaitAsync(cancellationToken);
        try
        {
            await using var turn = await TakeLedgerTurnAsync(vmRef, cancellationToken);
            var now = (await Call.VmOtherConfig(vmRef, cancellationToken)).GetValueOrDefault(LedgerKey);
            if (now == before)
            {
                return;
            }

            await Call.RemoveFromVmOtherConfig(vmRef, LedgerKey, cancellationToken);
            if (before is not null)
            {
                await Call.AddToVmOtherConfig(vmRef, LedgerKey, before, cancellationToken);
            }
        }
        finally
        {
            _ledgerWrites.Release();
        }
    }

    /// <summary>
    /// Makes a VM just cloned or imported carry the current work's stamp, and none of the keys
    /// it inherited (xapi copies other_config on clone, an XVA carries it): a copy is not what its
    /// source's key made, and its source's ledger and claims are not its own.
    /// </summary>
    private async Task StampMadeVmAsync(string vmRef, IReadOnlyDictionary<string, string> inherited, CancellationToken cancellationToken)
    {
        foreach (var key in inherited.Keys.Where(k => k is StampKey or LedgerKey or LedgerTurnKey || k.StartsWith(ClaimPrefix, StringComparison.Ordinal)))
        {
            await Call.RemoveFromVmOtherConfig(vmRef, key, cancellationToken);
        }

        if (WorkContext.Current?.Idempotency is { } stamp)
        {
            await Call.AddToVmOtherConfig(vmRef, StampKey, stamp.ToString(), cancellationToken);
        }
    }

    /// <summary>The guest whose stamp has this key, from the inventory's VM records brought up to now (else read in bulk).</summary>
    private async Task<(string Id, IdempotencyStamp Stamp)?> FindStampedGuestAsync(string keyHash, CancellationToken cancellationToken)
    {
        var stamps = await _inventory.StampsNowAsync(cancellationToken) ?? GuestRecords.StampsOf((await Call.AllVms(cancellationToken)).Values);
        foreach (var (id, text) in stamps)
        {
            if (IdempotencyStamp.Parse(text) is { } stamp && stamp.KeyHash == keyHash)
            {
                return (id, stamp);
            }
        }

        return null;
    }

    /// <summary>
    /// This gateway's turn at rewriting the guest's ledger (released when disposed), after any other
    /// gateway's; a turn past its lease is taken over. When the turn does not come within
    /// <see cref="LedgerTurnWait"/> the rewrite goes ahead without it (the thing is made already).
    /// </summary>
    private async Task<IAsyncDisposable> TakeLedgerTurnAsync(string vmRef, CancellationToken cancellationToken)
    {
        var holder = new ClaimHolder("VM", vmRef);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var value = string.Create(CultureInfo.InvariantCulture, $"{(DateTimeOffset.UtcNow + LedgerTurnLease).ToUnixTimeSeconds()} {Guid.NewGuid():N}");
            if (await TryAddClaimAsync(holder, LedgerTurnKey, value, cancellationToken))
            {
                return new Claim(this, holder, LedgerTurnKey, value);
            }

            var held = (await ReadOtherConfigAsync(holder, cancellationToken)).GetValueOrDefault(LedgerTurnKey);
            if (held is not null && TurnUntil(held) <= DateTimeOffset.UtcNow)
            {
                await RemoveFromOtherConfigAsync(holder, LedgerTurnKey, cancellationToken); // its gateway died holding it
            }
            else if (held is not null && waited.Elapsed >= LedgerTurnWait)
            {
                return NoTurn.Instance;
            }
            else if (held is not null)
            {
                await Task.Delay(20, cancellationToken);
            }
        }
    }

    /// <summary>The guest's other_config once no other gateway holds its ledger turn (or after <see cref="LedgerTurnWait"/>).</summary>
    private async Task<Dictionary<string, string>> OtherConfigAfterTurnAsync(string vmRef, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var config = await Call.VmOtherConfig(vmRef, cancellationToken);
            if (config.ContainsKey(LedgerKey) || TurnUntil(config.GetValueOrDefault(LedgerTurnKey)) <= DateTimeOffset.UtcNow || waited.Elapsed >= LedgerTurnWait)
            {
                return config;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>The end of a ledger turn's lease ("&lt;unix-until&gt; &lt;nonce&gt;"); the epoch when there is none or it is not ours.</summary>
    private static DateTimeOffset TurnUntil(string? value)
        => value?.Split(' ') is [var untilText, ..] && long.TryParse(untilText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.UnixEpoch;

    /// <summary>A rewrite that went ahead without its turn: nothing to release.</summary>
    private sealed class NoTurn : IAsyncDisposable
    {
        public static readonly NoTurn Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private async Task<bool> TryAddClaimAsync(ClaimHolder holder, string key, string value, CancellationToken cancellationToken)
    {
        try
        {
            await (holder.Class == "pool"
                ? Call.AddToPoolOtherConfig(holder.Ref, key, value, cancellationToken)
                : Call.AddToVmOtherConfig(holder.Ref, key, value, cancellationToken));
            return true;
        }
        catch (SimplestackException error) when (IsDuplicateKey(error))
        {
            return false;
        }
    }

    private Task<Dictionary<string, string>> ReadOtherConfigAsync(ClaimHolder holder, CancellationToken cancellationToken)
        => holder.Class == "pool" ? Call.PoolOtherConfig(holder.Ref, cancellationToken) : Call.VmOtherConfig(holder.Ref, cancellationToken);

    private Task RemoveFromOtherConfigAsync(ClaimHolder holder, string key, CancellationToken cancellationToken)
        => holder.Class == "pool" ? Call.RemoveFromPoolOtherConfig(holder.Ref, key, cancellationToken) : Call.RemoveFromVmOtherConfig(holder.Ref, key, cancellationToken);

    private async Task<string> PoolRefAsync(CancellationToken cancellationToken)
        => (await Call.PoolRefs(cancellationToken)).FirstOrDefault() ?? throw new HypervisorErrorException("The Xen host answered no pool.");

    private static bool IsDuplicateKey(SimplestackException error) => XenApiErrors.FailureOf(error)?.Code == XenApiErrors.MapDuplicateKey;

    private static string GuestOf(CreatedScope scope)
        => scope.GuestId ?? throw new ArgumentException("A snapshot's, disk's or NIC's key is looked up on a guest.", nameof(scope));

    /// <summary>The claim's key: its kind (for the things made on a guest) and the key's hash.</summary>
    private static string ClaimKey(CreatedScope scope, string keyHash) => scope.Kind switch
    {
        CreatedKind.Guest => ClaimPrefix + keyHash,
        CreatedKind.Snapshot => ClaimPrefix + "snapshot_" + keyHash,
        CreatedKind.Disk => ClaimPrefix + "disk_" + keyHash,
        CreatedKind.NetworkInterface => ClaimPrefix + "nic_" + keyHash,
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    /// <summary>A claim's value read back, when it is one of ours and its lease has not ended.</summary>
    private static (IdempotencyRecord Record, DateTimeOffset Until)? LiveClaim(string? value, DateTimeOffset now)
    {
        var parts = value?.Split(' ');
        if (parts is not [var stampText, var untilText, ..]
            || IdempotencyStamp.Parse(stampText) is not { } stamp
            || !long.TryParse(untilText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        var until = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return until > now ? (new IdempotencyRecord(stamp.BodyHash, null, until), until) : null;
    }

    /// <summary>A claim made; released, it goes only if its value is still ours (one that replaced it after its lease stays).</summary>
    private sealed class Claim(XenApiConnection connection, ClaimHolder holder, string key, string value) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            try
            {
                using var limit = new CancellationTokenSource(connection._policy.Timeout);
                if ((await connection.ReadOtherConfigAsync(holder, limit.Token)).GetValueOrDefault(key) == value)
                {
                    await connection.RemoveFromOtherConfigAsync(holder, key, limit.Token);
                }
            }
            catch (Exception error) when (error is SimplestackException or OperationCanceledException)
            {
                // Left in place, it holds nothing past its lease.
                XenApiLog.ClaimLeft(connection._logger, holder.Class, error.Message);
            }
        }
    }
}
