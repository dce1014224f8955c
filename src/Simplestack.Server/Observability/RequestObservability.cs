using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Simplestack.Server.Errors;
using Simplestack.Server.Logging;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Observability;

/// <summary>
/// The outermost middleware (installed by <see cref="ObservabilityStartupFilter"/>): gives every
/// request an id (a sane incoming <c>X-Request-Id</c>, else a new one; echoed in the answer and
/// set as <see cref="HttpContext.TraceIdentifier"/>), opens a log scope carrying it (for the lines
/// handlers log), queues one <see cref="AccessLog"/> line per request and counts it in
/// <see cref="GatewayMetrics"/>. Logged: method, path (control characters escaped, cut at 512
/// characters), status, time, route pattern, hypervisor, the caller key's name. Never logged:
/// headers, the query string, bodies.
/// </summary>
public sealed class RequestObservabilityMiddleware(
    RequestDelegate next, GatewayMetrics metrics, AccessLog accessLog, ExposureGuard guard, ILogger<RequestObservabilityMiddleware> logger)
{
    public const string RequestIdHeader = "X-Request-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var id = RequestId(context.Request.Headers[RequestIdHeader]);
        context.TraceIdentifier = id;
        // Set when the answer starts: the exception handler clears headers set before it.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[RequestIdHeader] = id;
            return Task.CompletedTask;
        });

        using var scope = logger.BeginScope(new RequestScope(id));
        if (!guard.Verified)
        {
            await ErrorWriter.WriteAsync(context, new ErrorResponse(
                nameof(Core.ErrorKind.HypervisorUnavailable), "The gateway is starting (or refusing to start); try again shortly.", StatusCodes.Status503ServiceUnavailable));
            return;
        }

        try
        {
            await next(context);
        }
        catch (Exception e)
        {
            // The exception handler answers everything; reaching here means the answer could not be written.
            Log.RequestCrashed(logger, e, context.Request.Method, AccessLog.LoggablePath(context.Request.Path.Value), Stopwatch.GetElapsedTime(started).TotalMilliseconds, id);
            throw;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        // The exception handler clears the endpoint before answering; its feature keeps it.
        var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
        var hypervisor = context.Features.Get<ResolvedTarget>()?.Target.Hypervisor ?? "none";
        var caller = context.Items.TryGetValue(ApiKeyAuthorizer.CallerItem, out var name) && name is string s ? s : "-";
        var status = context.Response.StatusCode;
        var method = context.Request.Method;
        metrics.RecordRequest(method, route, hypervisor, status, elapsed.TotalSeconds);
        accessLog.Record(new AccessLogEntry(DateTime.UtcNow, method.Length <= 16 ? method : "OTHER", context.Request.Path.Value, status, elapsed.TotalMilliseconds, route, hypervisor, caller, id));
    }

    /// <summary>An incoming id of 1-64 characters from <c>[A-Za-z0-9._:-]</c> is kept; anything else gets a new id.</summary>
    public static string RequestId(string? incoming)
        => incoming is { Length: > 0 and <= 64 } && incoming.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-')
            ? incoming
            : Guid.NewGuid().ToString("N");

    /// <summary>The log scope of a request: <c>RequestId</c>, shown by the JSON console formatter with every line of the request.</summary>
    private sealed class RequestScope(string id) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 1;

        public KeyValuePair<string, object> this[int index] => index == 0 ? new("RequestId", id) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestId:{id}";
    }
}

/// <summary>Puts <see cref="RequestObservabilityMiddleware"/> in front of the whole pipeline (before routing and the exception handler).</summary>
public sealed class ObservabilityStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<RequestObservabilityMiddleware>();
        next(app);
    };
}
