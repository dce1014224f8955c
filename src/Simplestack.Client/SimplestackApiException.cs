using System.Net;
using System.Text.Json;

namespace Simplestack.Client;

/// <summary>
/// The gateway answered with an error (API.md §2): the HTTP status, the <c>error</c> word
/// (<c>EntityNotFound</c>, <c>Conflict</c>, <c>HypervisorError</c>, ...), the gateway's message, and the
/// raw body. Subclasses by status let callers catch what they can act on.
/// </summary>
public class SimplestackApiException : Exception
{
    public SimplestackApiException()
        : this(HttpStatusCode.InternalServerError, "Unknown", "The gateway answered with an error.", null)
    {
    }

    public SimplestackApiException(string message)
        : this(HttpStatusCode.InternalServerError, "Unknown", message, null)
    {
    }

    public SimplestackApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = "Unknown";
        Status = HttpStatusCode.InternalServerError;
    }

    public SimplestackApiException(HttpStatusCode status, string error, string message, string? body, string? method = null, string? path = null)
        : base(message)
    {
        Status = status;
        Error = error;
        Body = body;
        Method = method;
        Path = path;
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The gateway's <c>error</c> word.</summary>
    public string Error { get; }

    /// <summary>The raw error body, as the gateway sent it.</summary>
    public string? Body { get; }

    /// <summary>The request's method, when known.</summary>
    public string? Method { get; }

    /// <summary>The request's path, when known.</summary>
    public string? Path { get; }

    /// <summary>
    /// The exception for an error answer: the subclass that fits the status (and the error word, for
    /// 409 <c>OperationInProgress</c>, which keeps <paramref name="retryAfter"/>, and 422).
    /// </summary>
    public static SimplestackApiException FromResponse(HttpStatusCode status, string? body, string? method = null, string? path = null, TimeSpan? retryAfter = null)
    {
        var (error, message) = ReadBody(status, body);
        return (int)status switch
        {
            400 or 411 or 413 => new InvalidArgumentsException(status, error, message, body, method, path),
            401 or 403 => new UnauthorizedException(status, error, message, body, method, path),
            404 => new EntityNotFoundException(status, error, message, body, method, path),
            409 when error == OperationInProgressException.Word => new OperationInProgressException(status, message, body, method, path, retryAfter),
            409 => new ConflictException(status, error, message, body, method, path),
            422 when error == IdempotencyKeyReusedException.Word => new IdempotencyKeyReusedException(status, error, message, body, method, path),
            501 => new FeatureNotImplementedException(status, error, message, body, method, path),
            502 or 503 or 504 => new HypervisorException(status, error, message, body, method, path),
            _ => new SimplestackApiException(status, error, message, body, method, path),
        };
    }

    private static (string Error, string Message) ReadBody(HttpStatusCode status, string? body)
    {
        var fallback = $"The gateway answered {(int)status} {status}.";
        if (string.IsNullOrWhiteSpace(body))
        {
            return (status.ToString(), fallback);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()
                    : root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()
                    : root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                    : null;
                return (error ?? status.ToString(), string.IsNullOrWhiteSpace(message) ? fallback : message);
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): keep a short piece of it.
        }

        var text = body.Trim();
        return (status.ToString(), text.Length > 200 ? $"{fallback} {text[..200]}..." : $"{fallback} {text}");
    }
}

/// <summary>400, 411 or 413: the gateway refused the request's input.</summary>
public sealed class InvalidArgumentsException(HttpStatusCode status, string error, string message, string? body, string? method = null, string? path = null)
    : SimplestackApiException(status, error, message, body, method, path);

/// <summary>401 (a credential is missing or wrong) or 403 (the target is not allowed).</summary>
public sealed class UnauthorizedException(HttpStatusCode status, string error, string message, string? body, string? method = null, string? path = null)
    : SimplestackApiException(status, error, message, body, method, path);

/// <summary>404: unknown hypervisor, guest, disk, NIC, snapshot, tag, network, storage, volume or route.</summary>
public sealed class EntityNotFoundException(HttpStatusCode status, string error, string message, string? body, string? method = null, string? path = null)
    : SimplestackApiException(status, error, message, body, method, path);

/// <summary>409: the name is taken, or the resource is in the wrong state for the operation.</summary>
public class ConflictException(HttpStatusCode status, string error, string message, string? body, string? method = null, string? path = null)
    : SimplestackApiException(status, error, message, body, method, path);

/// <summary>
/// 409 <c>OperationInProgress</c>: a request with the same <c>Idempotency-Key</c> is still at work.
/// Send the same request with the same key again after <see cref="RetryAfter"/> for its answer
/// (the SDK's retry policy does, a few times).
/// </summary>
public sealed class OperationInProgressException(HttpStatusCode status, string message, string? body, string? method = null, string? path = null, TimeSpan? retryAfter = null)
    : ConflictException(status, Word, message, body, method, path)
{
    public const string Word = "OperationInProgress";

    /// <summary>The gateway's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>422 <c>IdempotencyKeyReused</c>: the key was used before with another request; a new request needs a new key.</summary>
public sealed class IdempotencyKeyReusedException(HttpStatusCode status, string error, string message, string? body, string? method = null, string? path = null)
    : SimplestackApiException(status, error, message, body, method, path)
{
    public const string Word = "IdempotencyKeyReused";
}

/// <summary>501: this driver does not implement it (<c>FeatureNotImplemented</c>) or the hypervisor cannot do it (<c>FeatureNotAvailable</c>).</summary>
public sealed class FeatureNotImplementedException(HttpStatusCode status, string error, string message, string? body, string? method = null, string? path = null)
    : SimplestackApiException(status, error, message, body, method, path);

/// <summary>502 (the hypervisor answered with an error), 503 (unreachable) or 504 (timed out).</summary>
public sealed class HypervisorException(HttpStatusCode status, string error, string message, string? body, string? method = null, string? path = null)
    : SimplestackApiException(status, error, message, body, method, path);
