using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Simplestack.Server.Errors;
using Simplestack.Server.Hosting;
using Simplestack.Server.Logging;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Observability;

/// <summary>
/// The outermost middleware (installed by <see cref="ObservabilityStartupFilter"/>): gives every
/// request an id (a sane incoming <c>X-Request-Id</c>, else a new one; echoed in the answer and
/// set as <see cref="HttpContext.TraceIdentifier"/>, which the lines logged for the request name),
/// queues one <see cref="AccessLog"/> line per request and counts it in
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
        // The exception handler clears headers before answering; ErrorWriter sets this one again.
        context.Response.Headers[RequestIdHeader] = id;

        if (!guard.Verified)
        {
            await ErrorWriter.WriteAsync(context, new ErrorResponse(
                nameof(Core.ErrorKind.HypervisorUnavailable), "The gateway is starting (or refusing to start); try again shortly.", StatusCodes.Status503ServiceUnavailable));
            return;
        }

        try
        {
            await next(context);
            if (SimplestackApp.NeedsStatusCodePage(context.Response))
            {
                await SimplestackApp.WriteStatusCodePageAsync(context);
            }
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
        var hypervisor = context.Features.Get<HypervisorSession>()?.Target.Target.Hypervisor ?? "none";
        // Through the feature: reading HttpContext.Items would create the items store for every request.
        var caller = context.Features.Get<IItemsFeature>()?.Items.TryGetValue(ApiKeyAuthorizer.CallerItem, out var name) == true && name is string s ? s : "-";
        var status = context.Response.StatusCode;
        var method = context.Request.Method;
        metrics.RecordRequest(method, route, hypervisor, status, elapsed.TotalSeconds);
        accessLog.Record(new AccessLogEntry(DateTime.UtcNow, method.Length <= 16 ? method : "OTHER", context.Request.Path.Value, status, elapsed.TotalMilliseconds, route, hypervisor, caller, id));
    }

    /// <summary>An incoming id of 1-64 characters from <c>[A-Za-z0-9._:-]</c> is kept; anything else gets a new id.</summary>
    public static string RequestId(string? incoming)
        => incoming is { Length: > 0 and <= 64 } && incoming.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-')
            ? incoming
            : NewRequestId();

    // A new id is 32 lowercase hex digits (the shape of a W3C trace id): 64 random bits drawn once
    // per process, then a counter. Unique within the process and, with overwhelming likelihood,
    // across processes, without a call into the kernel's random source per request as Guid.NewGuid makes.
    private static readonly ulong ProcessPrefix = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    private static long _requestCounter = (long)(BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) >> 1);

    public static string NewRequestId()
    {
        Span<byte> id = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(id, ProcessPrefix);
        BinaryPrimitives.WriteUInt64BigEndian(id[8..], (ulong)Interlocked.Increment(ref _requestCounter));
        return Convert.ToHexStringLower(id);
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
