using System.Net;

namespace Simplestack.Client;

/// <summary>
/// When the SDK sends a request again by itself. Only requests that cannot do their work twice are
/// retried: a creating POST carrying an <c>Idempotency-Key</c> (the gateway answers a retry with
/// the first result and makes nothing), never one without a key. They are retried after a
/// transport failure (the connection dropped, the HTTP client timed out), a 502, 503 or 504, and a
/// 409 <c>OperationInProgress</c> (waiting its <c>Retry-After</c>), up to <see cref="MaxAttempts"/>.
/// </summary>
public sealed record SimplestackRetryPolicy
{
    /// <summary>4 attempts, waits of 1, 2, 4 s (or what Retry-After says), none longer than 30 s.</summary>
    public static SimplestackRetryPolicy Default { get; } = new();

    /// <summary>One attempt: every failure reaches the caller at once.</summary>
    public static SimplestackRetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>Attempts in all, the first included (at least 1).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The wait before the first retry; each further one waits twice as long.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts, Retry-After included.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 after <paramref name="failure"/>; null: not worth a retry.</summary>
    internal TimeSpan? DelayAfter(Exception failure, int attempt, CancellationToken cancellationToken)
    {
        if (attempt >= MaxAttempts || cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        var backoff = FirstDelay * Math.Pow(2, attempt - 1);
        TimeSpan? delay = failure switch
        {
            OperationInProgressException busy => busy.RetryAfter ?? backoff,
            HypervisorException { Status: HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout } => backoff,
            SimplestackApiException => null, // the gateway's answer: a retry gets the same
            HttpRequestException or IOException => backoff,
            OperationCanceledException => backoff, // the HttpClient's own timeout (the caller's token is not cancelled)
            _ => null,
        };
        return delay is { } d ? (d < MaxDelay ? d : MaxDelay) : null;
    }
}
