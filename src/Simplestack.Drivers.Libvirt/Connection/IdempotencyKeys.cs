using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Drivers.Libvirt.Metadata;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Idempotency keys (API.md §9) kept by libvirt itself, so any gateway process finds them:
// - a guest a keyed request made carries the request's stamp in its metadata (IdempotencyMetadata),
//   written in the XML that defines it;
// - what keyed requests made on a guest (snapshots, disks, NICs) is in the same element's ledger;
// - while the work runs, the claim is a marker volume in the default pool named after the key and
//   body (and, for what is made on a guest, the kind and the guest's UUID): volume names are
//   unique, so of two requests only one makes it, whichever gateway process each reached (a
//   metadata element cannot be claimed: libvirt has no compare-and-set of it). libvirt keeps no
//   other field on a volume for us, so its capacity, in bytes, is the end of its lease in seconds
//   since the epoch (a sparse volume: nothing is allocated);
// - the ledger is read, changed and written in one metadata element (readers never see it half
//   written); writers take turns, in this process by a lock, across processes by a marker volume
//   simplestack-key-ledger-<guest uuid> held for the write.
public abstract partial class LibvirtHypervisorConnection : IIdempotentCreation
{
    /// <summary>The name prefix of marker volumes; volume lists do not show them.</summary>
    internal const string MarkerPrefix = "simplestack-key-";

    // How long a ledger write waits for another process's write on the same guest, and how long a
    // turn holds if its gateway dies holding it.
    private static readonly TimeSpan LedgerTurnWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LedgerTurnLease = TimeSpan.FromSeconds(30);

    // Ledger updates are read-modify-write of one metadata element: one at a time in this process
    // (and across processes, a turn: TakeLedgerTurn).
    private readonly Lock _ledgerGate = new();

    public Task<IdempotencyRecord?> FindCreatedAsync(CreatedScope scope, string keyHash, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        var now = DateTimeOffset.UtcNow;
        if (scope.Kind != CreatedKind.Guest)
        {
            // The marker first, the ledger after, for the same reason as below.
            using var domain = FindDomain(RequireGuest(scope));
            var working = FindMarker(MarkerPrefixOf(scope.Kind, domain.Uuid), keyHash, now);
            return IdempotencyLedger.Find(ReadKeys(domain).Ledger, scope.Kind, keyHash, now)
                ?? (working is null ? null : new IdempotencyRecord(working.Stamp.BodyHash, null, working.Until));
        }

        // The marker first, the guests after: work that ended (guest stamped, then marker removed)
        // before the marker is read has its guest in the list read after it.
        var marker = FindMarker(MarkerPrefix, keyHash, now);
        foreach (var domain in Native.ListAllDomains())
        {
            using (domain)
            {
                if (ReadKeys(domain).Made is { } made && made.KeyHash == keyHash)
                {
                    return new IdempotencyRecord(made.BodyHash, domain.Uuid);
                }
            }
        }

        return marker is null ? null : new IdempotencyRecord(marker.Stamp.BodyHash, null, marker.Until);
    }, cancellationToken);

    public Task<IAsyncDisposable> MarkStartedAsync(CreatedScope scope, IdempotencyStamp stamp, TimeSpan lease, CancellationToken cancellationToken) => _calls.RunAsync<IAsyncDisposable>(() =>
    {
        var until = DateTimeOffset.UtcNow.Add(lease);
        var prefix = MarkerPrefix;
        if (scope.Kind != CreatedKind.Guest)
        {
            using var domain = FindDomain(RequireGuest(scope));
            prefix = MarkerPrefixOf(scope.Kind, domain.Uuid);
        }

        var name = PlaceMarker(prefix + stamp, until);
        return new Release(() => _calls.RunAsync(() => RemoveMarker(name, until), CancellationToken.None));
    }, cancellationToken);

    /// <summary>Records, on the guest, what a keyed request made on it; nothing without a current stamp.</summary>
    private protected void RecordMadeOn(LibvirtDomain domain, CreatedKind kind, string createdId)
    {
        if (WorkContext.Current?.Idempotency is not { } stamp)
        {
            return;
        }

        EditLedger(domain.Uuid, ledger => IdempotencyLedger.With(ledger, new IdempotencyEntry(kind, stamp, createdId, DateTimeOffset.UtcNow, null)));
    }

    /// <summary>What keys made on a guest, to put back after a revert (<see cref="RestoreLedger"/>).</summary>
    private protected static IReadOnlyList<IdempotencyEntry> LedgerOf(LibvirtDomain domain) => ReadKeys(domain).Ledger;

    /// <summary>
    /// Puts back the ledger a revert took: libvirt redefines the guest as the snapshot saw it,
    /// from before the snapshot's own key (and any later one) was recorded, and a retry of those
    /// requests would make their objects again.
    /// </summary>
    private protected void RestoreLedger(string guestUuid, IReadOnlyList<IdempotencyEntry> before)
        => EditLedger(guestUuid, _ => before);

    /// <summary>The domain XML of a guest about to be defined, carrying the current request's stamp (or none).</summary>
    private protected static string StampedForDefine(string domainXml)
        => IdempotencyMetadata.Stamp(domainXml, WorkContext.Current?.Idempotency);

    private static string RequireGuest(CreatedScope scope)
        => scope.GuestId ?? throw new ArgumentException("A scope under a guest names the guest.", nameof(scope));

    private static (IdempotencyStamp? Made, IReadOnlyList<IdempotencyEntry> Ledger) ReadKeys(LibvirtDomain domain)
    {
        try
        {
            return IdempotencyMetadata.Parse(domain.GetMetadata(DomainMetadataType.Element, IdempotencyMetadata.NamespaceUri, DomainModificationImpact.Config));
        }
        catch (LibvirtException error) when (error.Code is LibvirtErrorCode.NoDomain or LibvirtErrorCode.OperationInvalid)
        {
            return (null, []); // gone meanwhile, or a transient domain (no persistent config to read)
        }
    }

    private void EditLedger(string guestId, Func<IReadOnlyList<IdempotencyEntry>, IReadOnlyList<IdempotencyEntry>> edit)
    {
        lock (_ledgerGate)
        {
            using var domain = FindDomain(guestId);
            var turn = TakeLedgerTurn(domain.Uuid);
            try
            {
                var (made, ledger) = ReadKeys(domain);
                var edited = edit(ledger);
                if (edited.SequenceEqual(ledger))
                {
                    return;
                }

                var impact = domain.IsActive && domain.IsPersistent ? DomainModificationImpact.Live | DomainModificationImpact.Config : DomainModificationImpact.Current;
                domain.SetMetadata(DomainMetadataType.Element, IdempotencyMetadata.Build(made, edited, DateTimeOffset.UtcNow), IdempotencyMetadata.Prefix, IdempotencyMetadata.NamespaceUri, impact);
            }
            finally
            {
                if (turn is { } taken)
                {
                    RemoveMarker(taken.Name, taken.Until);
                }
            }
        }
    }

    /// <summary>
    /// A ledger write is read, change, write of one metadata element, which libvirt cannot
    /// compare-and-set: gateway processes writing one guest's ledger take turns by a marker volume
    /// (made atomically by name) held for the write's few calls; a dead holder's turn ends with its
    /// lease. Null when the turn does not come within <see cref="LedgerTurnWait"/>: the write then
    /// goes ahead (the thing is made already; failing the request would not unmake it).
    /// </summary>
    private (string Name, DateTimeOffset Until)? TakeLedgerTurn(string guestUuid)
    {
        var name = $"{MarkerPrefix}ledger-{guestUuid.Replace("-", string.Empty, StringComparison.Ordinal)}";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var until = DateTimeOffset.UtcNow + LedgerTurnLease;
            try
            {
                PlaceMarker(name, until);
                return (name, until);
            }
            catch (OperationInProgressException) when (waited.Elapsed < LedgerTurnWait)
            {
                Thread.Sleep(20);
            }
            catch (OperationInProgressException)
            {
                return null;
            }
            catch (Exception error) when (error is LibvirtException or SimplestackException)
            {
                return null; // No pool to hold a turn in: the write goes ahead as one process's.
            }
        }
    }

    private static OperationInProgressException InProgress(DateTimeOffset? until)
        => OperationInProgressException.KeyAtWork(until, DateTimeOffset.UtcNow);

    // ---- marker volumes, capacity = lease end (Unix seconds):
    //      simplestack-key-<keyhash>.<bodyhash> for a guest,
    //      simplestack-key-<kind>-<guest uuid>-<keyhash>.<bodyhash> for what is made on one ----

    private sealed record Marker(string Name, IdempotencyStamp Stamp, DateTimeOffset Until);

    private static string MarkerPrefixOf(CreatedKind kind, string guestUuid)
        => $"{MarkerPrefix}{kind.ToString().ToLowerInvariant()}-{guestUuid.Replace("-", string.Empty, StringComparison.Ordinal)}-";

    private Marker? FindMarker(string prefix, string keyHash, DateTimeOffset now)
    {
        using var pool = DefaultPool();
        foreach (var volume in pool.ListAllVolumes())
        {
            using (volume)
            {
                var name = volume.Name;
                if (name.StartsWith(prefix + keyHash + ".", StringComparison.Ordinal)
                    && IdempotencyStamp.Parse(name[prefix.Length..]) is { } stamp
                    && ReadUntil(volume) is { } until
                    && until > now)
                {
                    return new Marker(name, stamp, until);
                }
            }
        }

        return null;
    }

    private string PlaceMarker(string name, DateTimeOffset until)
    {
        using var pool = DefaultPool();
        var xml = VolumeXml.Build(new VolumeDefinition(name, until.ToUnixTimeSeconds(), "raw"));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                pool.CreateVolume(xml).Dispose();
                return name;
            }
            catch (LibvirtException)
            {
                using var taken = pool.TryLookupVolumeByName(name);
                if (taken is null)
                {
                    if (attempt < 3)
                    {
                        continue; // Its holder removed it between the two calls: claim again.
                    }

                    throw; // No clash: the pool refused the volume itself.
                }

                // Another request holds the key; unless its gateway died and the lease ran out.
                var held = ReadUntil(taken);
                if (held > DateTimeOffset.UtcNow || attempt >= 3)
                {
                    throw InProgress(held);
                }

                DeleteQuietly(taken);
            }
        }
    }

    private static void DeleteQuietly(LibvirtStorageVolume volume)
    {
        try
        {
            volume.Delete();
        }
        catch (LibvirtException)
        {
            // Taken away by another request meanwhile.
        }
    }

    /// <summary>Removes the marker if it is still the one placed (a lease that ran out may have been taken over).</summary>
    private void RemoveMarker(string name, DateTimeOffset until)
    {
        using var pool = DefaultPool();
        using var volume = pool.TryLookupVolumeByName(name);
        if (volume is not null && ReadUntil(volume) is { } held && held.ToUnixTimeSeconds() == until.ToUnixTimeSeconds())
        {
            volume.Delete();
        }
    }

    private static DateTimeOffset? ReadUntil(LibvirtStorageVolume volume)
    {
        try
        {
            return DateTimeOffset.FromUnixTimeSeconds((long)volume.GetInfo().Capacity);
        }
        catch (LibvirtException)
        {
            return null; // gone meanwhile
        }
    }

    private sealed class Release(Func<Task> release) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                await release();
            }
        }
    }
}
