using System.Globalization;
using System.Text.RegularExpressions;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// The claim of a key while its work runs: the directory [datastore] simplestack-markers/<marker id>
// (the key hash for a guest not made yet; <kind>-<vm moref>-<key hash> for what is made on a
// guest, so that the claim does not rest on a ledger write vcsim does not guard), made by
// FileManager.MakeDirectory, which ESXi and vCenter alike refuse with FileAlreadyExists when it is
// there: making it is the claim, and only one request wins it. Inside, one sub-directory names what a reader needs:
// <body hash>.<lease end, Unix ms>.<holder> (a name, so no file has to be uploaded and read back).
// The datastore is the configured placement datastore, else the first by name: a marker must be
// found from the key alone, before (and whatever) the request's placement is.
// Taking a marker away (an expired one replaced, one's own removed) first moves it aside to a name
// of the taker's own (MoveDatastoreFile_Task without force: one mover wins), then looks whose it
// was: a live marker of another holder moved by mistake is moved back.
public sealed partial class VSphereConnection
{
    private const string MarkerFolder = "simplestack-markers";

    /// <summary>The marker of a key in its scope: what is made on a guest is claimed per guest and kind.</summary>
    private static string MarkerId(CreatedScope scope, MoRef? vm, string keyHash)
        => scope.Kind == CreatedKind.Guest || vm is null
            ? keyHash
            : $"{scope.Kind.ToString().ToLowerInvariant()}-{vm.Value}-{keyHash}";

    /// <summary>A claim directory still without its inside (its maker died between the two calls) counts as at work this long after it was made.</summary>
    private static readonly TimeSpan HalfMadeGrace = TimeSpan.FromMinutes(1);

    private static readonly Regex MarkerInside = new("^(?<body>[0-9a-f]{32})\\.(?<until>[0-9]{1,15})\\.(?<holder>[0-9a-f]{32})$", RegexOptions.CultureInvariant);

    private async Task<IdempotencyRecord?> FindMarkerAsync(string markerId, CancellationToken cancellationToken)
    {
        var store = await MarkerDatastoreAsync(cancellationToken);
        return await ReadMarkerAsync(store, markerId, cancellationToken) switch
        {
            null => null,
            { Until: var until } when until <= DateTimeOffset.UtcNow => null,
            { Holder: null } => throw new OperationInProgressException("A request with this Idempotency-Key has just begun.", TimeSpan.FromSeconds(1)),
            var live => new IdempotencyRecord(live.BodyHash, null, live.Until),
        };
    }

    private async Task<IAsyncDisposable> ClaimMarkerAsync(string markerId, IdempotencyStamp stamp, TimeSpan lease, CancellationToken cancellationToken)
    {
        var store = await MarkerDatastoreAsync(cancellationToken);
        var holder = Guid.NewGuid().ToString("N");
        var until = DateTimeOffset.UtcNow + lease;
        for (var attempt = 1; ; attempt++)
        {
            if (await TryMakeDirectoryAsync(store, MarkerPath(store, markerId), cancellationToken))
            {
                var inside = $"{stamp.BodyHash}.{until.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}.{holder}";
                try
                {
                    await TryMakeDirectoryAsync(store, $"{MarkerPath(store, markerId)}/{inside}", cancellationToken);
                }
                catch (Exception error) when (error is SimplestackException or OperationCanceledException)
                {
                    await RemoveHalfMadeQuietlyAsync(store, markerId);
                    throw;
                }

                return new DatastoreMarker(this, store, markerId, holder);
            }

            var found = await ReadMarkerAsync(store, markerId, cancellationToken);
            if (found is not null && found.Until > DateTimeOffset.UtcNow)
            {
                throw OperationInProgressException.KeyAtWork(found.Holder is null ? null : found.Until, DateTimeOffset.UtcNow);
            }

            if (attempt == 3)
            {
                throw new OperationInProgressException("The marker of this Idempotency-Key keeps changing.", TimeSpan.FromSeconds(1));
            }

            // Past its lease (or gone meanwhile): taken away, then claimed afresh.
            if (found is not null)
            {
                await TakeAwayAsync(store, markerId, found.Holder, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The marker <paramref name="markerId"/>: null when there is none; one without a holder
    /// while its inside is not made yet (then at work until <see cref="HalfMadeGrace"/> after it was made).
    /// </summary>
    private async Task<Marker?> ReadMarkerAsync(DatastoreRef store, string markerId, CancellationToken cancellationToken)
    {
        for (var look = 0; look < 3; look++)
        {
            var names = await ListFolderAsync(store, MarkerPath(store, markerId), "*", cancellationToken);
            if (names is null)
            {
                return null;
            }

            if (names.Select(n => MarkerInside.Match(n.Name)).FirstOrDefault(m => m.Success) is { } match)
            {
                return new Marker(
                    match.Groups["body"].Value,
                    DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(match.Groups["until"].Value, CultureInfo.InvariantCulture)),
                    match.Groups["holder"].Value);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken); // Its maker is making the inside.
        }

        var claims = await ListFolderAsync(store, $"[{store.Name}] {MarkerFolder}", markerId, cancellationToken);
        return claims is not { Count: > 0 } ? null : new Marker("", (claims[0].Modified ?? DateTimeOffset.MinValue) + HalfMadeGrace, null);
    }

    /// <summary>
    /// Moves the marker aside, then removes it if it was <paramref name="holder"/>'s (null: one
    /// still without its inside); another's is moved back. False when it was not there or not the holder's.
    /// </summary>
    private async Task<bool> TakeAwayAsync(DatastoreRef store, string markerId, string? holder, CancellationToken cancellationToken)
    {
        var aside = $"[{store.Name}] {MarkerFolder}/{markerId}.gone.{Guid.NewGuid():N}";
        try
        {
            await RunTaskAsync("MoveDatastoreFile_Task", FileManager, cancellationToken,
                E("sourceName", MarkerPath(store, markerId)), Ref("sourceDatacenter", store.Datacenter),
                E("destinationName", aside), Ref("destinationDatacenter", store.Datacenter), E("force", "false"));
        }
        catch (EntityNotFoundException)
        {
            return false; // Taken away by someone else already.
        }

        var inside = (await ListFolderAsync(store, aside, "*", cancellationToken) ?? []).Select(n => MarkerInside.Match(n.Name)).FirstOrDefault(m => m.Success);
        if ((inside?.Groups["holder"].Value) == holder)
        {
            await RunTaskAsync("DeleteDatastoreFile_Task", FileManager, cancellationToken, E("name", aside), Ref("datacenter", store.Datacenter));
            return true;
        }

        try
        {
            await RunTaskAsync("MoveDatastoreFile_Task", FileManager, cancellationToken,
                E("sourceName", aside), Ref("sourceDatacenter", store.Datacenter),
                E("destinationName", MarkerPath(store, markerId)), Ref("destinationDatacenter", store.Datacenter), E("force", "false"));
        }
        catch (ConflictException)
        {
            // A newer marker is there already: the one moved aside is not needed back.
            await RunTaskAsync("DeleteDatastoreFile_Task", FileManager, cancellationToken, E("name", aside), Ref("datacenter", store.Datacenter));
        }

        return false;
    }

    /// <summary>A claim whose inside could not be made is taken away again (else it would hold for <see cref="HalfMadeGrace"/>).</summary>
    private async Task RemoveHalfMadeQuietlyAsync(DatastoreRef store, string markerId)
    {
        try
        {
            using var limit = new CancellationTokenSource(Policy.Timeout);
            await TakeAwayAsync(store, markerId, null, limit.Token);
        }
        catch (Exception error) when (error is SimplestackException or OperationCanceledException)
        {
            // It expires after its grace.
        }
    }

    /// <summary>MakeDirectory (the marker folder made first when missing); false when the directory is there already.</summary>
    private async Task<bool> TryMakeDirectoryAsync(DatastoreRef store, string path, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _session.CallAsync("MakeDirectory", FileManager, cancellationToken,
                    E("name", path), Ref("datacenter", store.Datacenter), E("createParentDirectories", "false"));
                return true;
            }
            catch (ConflictException error) when (VimFaults.FaultOf(error)?.FaultType == "FileAlreadyExists")
            {
                return false;
            }
            catch (EntityNotFoundException) when (attempt == 0)
            {
                // FileNotFound: the marker folder is not there yet.
                try
                {
                    await _session.CallAsync("MakeDirectory", FileManager, cancellationToken,
                        E("name", $"[{store.Name}] {MarkerFolder}"), Ref("datacenter", store.Datacenter), E("createParentDirectories", "true"));
                }
                catch (ConflictException)
                {
                    // Made by another request meanwhile.
                }
            }
        }
    }

    /// <summary>The entries of a datastore folder matching <paramref name="pattern"/> (SearchDatastore_Task), with their times; null when the folder is not there.</summary>
    private async Task<IReadOnlyList<(string Name, DateTimeOffset? Modified)>?> ListFolderAsync(DatastoreRef store, string folder, string pattern, CancellationToken cancellationToken)
    {
        var spec = E("searchSpec",
            Typed("query", "FolderFileQuery"),
            E("details", E("fileType", "true"), E("fileSize", "false"), E("modification", "true"), E("fileOwner", "false")),
            E("matchPattern", pattern));
        try
        {
            var result = await RunTaskAsync("SearchDatastore_Task", store.Browser, cancellationToken, E("datastorePath", folder), spec);
            return [.. (result?.Elements(Ns + "file") ?? []).Select(f => (
                f.ChildValue("path") ?? "",
                DateTimeOffset.TryParse(f.ChildValue("modification"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null))];
        }
        catch (EntityNotFoundException)
        {
            return null; // FileNotFound
        }
    }

    /// <summary>Where markers are kept: the configured placement datastore, else the first by name (the same for every gateway of the target).</summary>
    private async Task<DatastoreRef> MarkerDatastoreAsync(CancellationToken cancellationToken)
    {
        var datastores = await AllDatastoresAsync(cancellationToken);
        return (_placement.Datastore is { } configured ? datastores.FirstOrDefault(d => d.Name == configured) : null)
               ?? datastores.FirstOrDefault()
               ?? throw new FeatureNotAvailableException("This vSphere server has no datastore to keep idempotency markers on.");
    }

    private MoRef FileManager => _session.Content.FileManager
                                 ?? throw new FeatureNotAvailableException("This vSphere server has no FileManager to keep idempotency markers with.");

    private static string MarkerPath(DatastoreRef store, string markerId) => $"[{store.Name}] {MarkerFolder}/{markerId}";

    /// <summary>What a marker says: the body hash, the lease's end, and its holder (null while its inside is not made).</summary>
    private sealed record Marker(string BodyHash, DateTimeOffset Until, string? Holder);

    /// <summary>A claimed key; disposed, its marker is removed if it is still this holder's.</summary>
    private sealed class DatastoreMarker(VSphereConnection connection, DatastoreRef store, string markerId, string holder) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                using var limit = new CancellationTokenSource(connection.Policy.Timeout);
                if ((await connection.ReadMarkerAsync(store, markerId, limit.Token))?.Holder == holder)
                {
                    await connection.TakeAwayAsync(store, markerId, holder, limit.Token);
                }
            }
            catch (Exception error) when (error is SimplestackException or OperationCanceledException)
            {
                // The server cannot be reached: the marker expires with its lease.
            }
        }
    }
}
