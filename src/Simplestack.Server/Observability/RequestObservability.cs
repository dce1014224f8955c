using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Simplestack.Server.Errors;
using Simplestack.Server.Logging;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Observability;

/// <summary>
/// The outermost middleware (first in Program.cs): gives every
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
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var id = RequestIds.FromIncoming(context.Request.Headers[RequestIds.Header]);
        context.TraceIdentifier = id;
        // The exception handler clears headers before answering; ErrorWriter sets this one again.
        context.Response.Headers[RequestIds.Header] = id;

        if (!guard.Verified)
        {
            await ErrorWriter.WriteAsync(context, Core.ErrorKind.HypervisorUnavailable, "The gateway is starting (or refusing to start); try again shortly.");
            return;
        }

        try
        {
            await next(context);
            if (StatusCodePages.IsNeeded(context.Response))
            {
                await StatusCodePages.WriteAsync(context);
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
}
