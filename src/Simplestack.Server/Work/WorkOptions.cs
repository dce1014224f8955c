namespace Simplestack.Server.Work;

/// <summary>Long work followed as a stream, and idempotency keys (section <c>Simplestack:Work</c>).</summary>
public sealed class WorkOptions
{
    public const string Section = "Simplestack:Work";

    /// <summary>
    /// A comment line this often when no progress was sent, so that a proxy cutting silent
    /// connections (nginx's proxy_read_timeout is 60 s by default; some are set lower) keeps the stream.
    /// </summary>
    public TimeSpan ProgressHeartbeat { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the marker of keyed work holds its key in the hypervisor. A gateway that dies
    /// mid-work leaves the marker; a retry past the lease starts the work again. Set it above the
    /// longest create, clone or import expected.
    /// </summary>
    public TimeSpan IdempotencyLease { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long a 409 OperationInProgress asks a client to wait (Retry-After) before it asks again.
    /// Short: asking again costs one look at the hypervisor's records, and most work ends in seconds.
    /// </summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);
}
