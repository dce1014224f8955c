namespace Simplestack.Core.Idempotency;

/// <summary>What a creating POST makes (the scope in which its key is looked up).</summary>
public enum CreatedKind
{
    /// <summary>POST .../guests (create or import) and POST .../guests/{id}/clone.</summary>
    Guest,
    /// <summary>POST .../guests/{id}/snapshots.</summary>
    Snapshot,
    /// <summary>POST .../guests/{id}/disks.</summary>
    Disk,
    /// <summary>POST .../guests/{id}/network_interfaces.</summary>
    NetworkInterface,
}

/// <summary>
/// Where a key is looked up: the guests of the target, or the things made on one guest (which
/// keeps the records of its snapshots, disks and NICs, so they go when it goes).
/// </summary>
public sealed record CreatedScope(CreatedKind Kind, string? GuestId = null)
{
    public static CreatedScope Guests { get; } = new(CreatedKind.Guest);

    public static CreatedScope On(string guestId, CreatedKind kind) => new(kind, guestId);
}

/// <summary>
/// What the hypervisor's records say about a key: the body hash it was used with, and either the id
/// of what it made, or, while the work runs, until when the work's marker holds.
/// </summary>
public sealed record IdempotencyRecord(string BodyHash, string? CreatedId, DateTimeOffset? WorkingUntil = null)
{
    public bool IsDone => CreatedId is not null;
}

/// <summary>
/// Keys of creating POSTs recorded in the hypervisor itself (API.md §9), so that a retry on any
/// gateway process, after any restart, finds what the first request made. The driver stamps
/// <see cref="Work.WorkContext.Idempotency"/> on what it makes (guest metadata, other_config,
/// extraConfig) as part of making it; the records of a guest's snapshots, disks and NICs are kept
/// on the guest.
/// </summary>
[Capability(145, "idempotency_keys", "Idempotency-Key on POST .../guests, .../clone, .../snapshots, .../disks, .../network_interfaces")]
public interface IIdempotentCreation
{
    /// <summary>What a request with the key of hash <paramref name="keyHash"/> made, or is making, in <paramref name="scope"/>; null when nothing.</summary>
    Task<IdempotencyRecord?> FindCreatedAsync(CreatedScope scope, string keyHash, CancellationToken cancellationToken);

    /// <summary>
    /// Leaves a marker the hypervisor keeps that work with this stamp has begun in
    /// <paramref name="scope"/>, valid for <paramref name="lease"/> (so a gateway that dies leaves
    /// nothing that holds for ever); disposing the answer removes it. Throws
    /// <see cref="OperationInProgressException"/> when a live marker for the key is there already:
    /// leaving the marker is the claim, and only one request wins it.
    /// </summary>
    Task<IAsyncDisposable> MarkStartedAsync(CreatedScope scope, IdempotencyStamp stamp, TimeSpan lease, CancellationToken cancellationToken);
}
