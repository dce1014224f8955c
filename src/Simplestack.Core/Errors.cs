namespace Simplestack.Core;

/// <summary>
/// What went wrong, in words the HTTP layer maps to a status code in one table
/// (Server/Errors/ErrorMapping.cs). The names keep the original Simplestack's error words where
/// they exist because its clients map those words to exception classes.
/// </summary>
public enum ErrorKind
{
    /// <summary>400: bad input.</summary>
    InvalidArguments,
    /// <summary>401: a credential is missing or wrong.</summary>
    Unauthorized,
    /// <summary>403: the configuration does not allow this target.</summary>
    TargetNotAllowed,
    /// <summary>404: unknown guest, disk, NIC, snapshot, tag, network, storage or hypervisor.</summary>
    EntityNotFound,
    /// <summary>409: the name is taken or the resource is in the wrong state for the operation.</summary>
    Conflict,
    /// <summary>409: a request with the same Idempotency-Key is still at work; retry after a while.</summary>
    OperationInProgress,
    /// <summary>411: the body must come with its length (Content-Length), not chunked.</summary>
    LengthRequired,
    /// <summary>413: the request body is too large.</summary>
    PayloadTooLarge,
    /// <summary>422: the Idempotency-Key was used before with another request.</summary>
    IdempotencyKeyReused,
    /// <summary>501: not built for this driver yet.</summary>
    FeatureNotImplemented,
    /// <summary>501: this hypervisor cannot do it.</summary>
    FeatureNotAvailable,
    /// <summary>502: the hypervisor answered with an error.</summary>
    HypervisorError,
    /// <summary>503: the hypervisor cannot be reached.</summary>
    HypervisorUnavailable,
    /// <summary>504: the hypervisor did not answer in time.</summary>
    HypervisorTimeout,
}

/// <summary>
/// The one exception family of the domain. Messages are for a person and must never carry a
/// credential: drivers build them from names and identifiers only.
/// </summary>
public class SimplestackException : Exception
{
    public SimplestackException(ErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    public ErrorKind Kind { get; }
}

public sealed class EntityNotFoundException(string message) : SimplestackException(ErrorKind.EntityNotFound, message)
{
    public static EntityNotFoundException Of(string what, string id) => new($"{what} '{id}' was not found.");
}

public sealed class UnauthorizedException(string message) : SimplestackException(ErrorKind.Unauthorized, message);

public sealed class ConflictException(string message) : SimplestackException(ErrorKind.Conflict, message);

public sealed class InvalidArgumentException(string message) : SimplestackException(ErrorKind.InvalidArguments, message);

public sealed class FeatureNotImplementedException(string message) : SimplestackException(ErrorKind.FeatureNotImplemented, message);

public sealed class FeatureNotAvailableException(string message) : SimplestackException(ErrorKind.FeatureNotAvailable, message);

public sealed class HypervisorErrorException(string message, Exception? inner = null)
    : SimplestackException(ErrorKind.HypervisorError, message, inner);

public sealed class HypervisorUnavailableException(string message, Exception? inner = null)
    : SimplestackException(ErrorKind.HypervisorUnavailable, message, inner);

public sealed class HypervisorTimeoutException(string message, Exception? inner = null)
    : SimplestackException(ErrorKind.HypervisorTimeout, message, inner);

/// <summary>A request with the same idempotency key is still at work (409, with a Retry-After).</summary>
public sealed class OperationInProgressException(string message, TimeSpan retryAfter)
    : SimplestackException(ErrorKind.OperationInProgress, message)
{
    /// <summary>The longest <see cref="RetryAfter"/> a driver proposes: leases run for minutes, a retry is a cheap look.</summary>
    public static readonly TimeSpan LongestRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>When a retry is worth trying.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <summary>
    /// The refusal of a request whose key another request holds until <paramref name="workingUntil"/>
    /// (unknown: null): retry in what is left of that lease, in whole seconds from 1 to
    /// <see cref="LongestRetryAfter"/>.
    /// </summary>
    public static OperationInProgressException KeyAtWork(DateTimeOffset? workingUntil, DateTimeOffset now)
    {
        var left = (workingUntil ?? now) - now;
        var seconds = Math.Clamp(Math.Ceiling(left.TotalSeconds), 1, LongestRetryAfter.TotalSeconds);
        return new OperationInProgressException("A request with this Idempotency-Key is still at work; retry it later for its answer.", TimeSpan.FromSeconds(seconds));
    }
}

public sealed class IdempotencyKeyReusedException(string message) : SimplestackException(ErrorKind.IdempotencyKeyReused, message);
