namespace Simplestack.Client;

/// <summary>One <c>progress</c> event of long work (API.md §9): how far, 0 to 100, and what it is doing (<c>copying disk vda</c>).</summary>
public sealed record WorkProgress(double Percent, string Phase);

/// <summary>
/// How to send a creating or long request (API.md §9). Every create carries an
/// <c>Idempotency-Key</c>: <see cref="IdempotencyKey"/>, or one the SDK makes for this call; the
/// SDK's retries (<see cref="SimplestackRetryPolicy"/>) send the same key, so a create whose
/// answer was lost makes one thing. With <see cref="Progress"/>, the request asks for its work as a
/// stream (<c>Accept: text/event-stream</c>) and reports each <c>progress</c> event; the call still
/// returns what the plain request returns, or throws what it throws.
/// </summary>
public sealed record LongWorkOptions
{
    /// <summary>
    /// The caller's key (1-255 printable ASCII characters): give the same one when sending the same
    /// request again later (after a crash, say) to get the first answer. Null: the SDK makes one,
    /// and, on a driver that keeps no keys (501), sends the request once without it.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// Whether, on a driver that keeps no keys (501), the request is sent once more without
    /// <see cref="IdempotencyKey"/> (and not retried), as it is for a key the SDK makes: for a
    /// caller that makes its key only to log it.
    /// </summary>
    public bool WithoutKeyWhenNotKept { get; init; }

    /// <summary>Where the gateway's progress goes; reports only ever move forward.</summary>
    public IProgress<WorkProgress>? Progress { get; init; }

    /// <summary>A new random key.</summary>
    public static string NewIdempotencyKey() => Guid.NewGuid().ToString();

    /// <summary>Whether the gateway takes <paramref name="key"/>: 1-255 printable ASCII characters (space to tilde).</summary>
    public static bool IsValidKey(string? key) => !string.IsNullOrEmpty(key) && key.Length <= 255 && key.All(c => c is >= ' ' and <= '~');
}
