using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Simplestack.Server.Logging;

/// <summary>
/// Every log message of the server, source-generated. None takes a header, a token, a password or
/// a request body: targets are logged as <c>hypervisor/host[:port]</c> only.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Hypervisor drivers registered: {Drivers}")]
    public static partial void DriversRegistered(ILogger logger, string drivers);

    [LoggerMessage(10, LogLevel.Warning, "Refused target {Hypervisor}/{Host}: not in Simplestack:AllowedTargets (request {RequestId})")]
    public static partial void TargetRefused(ILogger logger, string hypervisor, string host, string? requestId);

    [LoggerMessage(20, LogLevel.Information, "Opened a connection to {Target}")]
    public static partial void ConnectionOpened(ILogger logger, string target);

    [LoggerMessage(21, LogLevel.Warning, "Could not connect to {Target}: {Kind} {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string target, string kind, string? reason);

    [LoggerMessage(22, LogLevel.Information, "The connection to {Target} is no longer alive; replacing it")]
    public static partial void ConnectionReplaced(ILogger logger, string target);

    [LoggerMessage(23, LogLevel.Information, "Closed the idle or dead connection to {Target}")]
    public static partial void ConnectionClosedIdle(ILogger logger, string target);

    [LoggerMessage(24, LogLevel.Information, "Closed the least recently used connection to {Target} to stay within the connection limit")]
    public static partial void ConnectionEvicted(ILogger logger, string target);

    [LoggerMessage(25, LogLevel.Warning, "The connection limit of {Max} is reached and every connection is in use")]
    public static partial void PoolFull(ILogger logger, int max);

    [LoggerMessage(26, LogLevel.Warning, "Closing the connection to {Target} failed")]
    public static partial void ConnectionCloseFailed(ILogger logger, Exception exception, string target);

    [LoggerMessage(27, LogLevel.Error, "The connection pool sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    // Lines logged while a request is served carry its id as a field of their own (RequestId),
    // rather than through a log scope: a scope per request cost measurably on every request.
    [LoggerMessage(30, LogLevel.Error, "Unhandled exception for {Method} {Path} (request {RequestId})")]
    public static partial void UnhandledException(ILogger logger, Exception exception, string method, PathString path, string requestId);

    [LoggerMessage(31, LogLevel.Information, "{Method} {Path} answered {Status} {Error} (request {RequestId})")]
    public static partial void RequestFailed(ILogger logger, string method, PathString path, int status, string error, string requestId);

    [LoggerMessage(32, LogLevel.Warning, "{Method} {Path} answered {Status} {Error} (request {RequestId})")]
    public static partial void HypervisorFailed(ILogger logger, Exception exception, string method, PathString path, int status, string error, string requestId);

    [LoggerMessage(33, LogLevel.Debug, "{Method} {Path} was aborted by the client (request {RequestId})")]
    public static partial void RequestAborted(ILogger logger, string method, PathString path, string requestId);

    [LoggerMessage(40, LogLevel.Warning, "{Method} refused: no valid API key (request {RequestId})")]
    public static partial void CallerRefused(ILogger logger, string method, string requestId);

    [LoggerMessage(41, LogLevel.Critical, "{Message}")]
    public static partial void ExposedWithoutKeys(ILogger logger, string message);

    // Event 50, one line per answered request, is written by Observability/AccessLog.

    [LoggerMessage(51, LogLevel.Error, "{Method} {Path} failed after {ElapsedMs:0.0} ms without an answer (request {RequestId})")]
    public static partial void RequestCrashed(ILogger logger, Exception exception, string method, string path, double elapsedMs, string requestId);

    [LoggerMessage(52, LogLevel.Warning, "Readiness probe of {Target} failed: {Kind}")]
    public static partial void ReadinessProbeFailed(ILogger logger, string target, string kind);
}
