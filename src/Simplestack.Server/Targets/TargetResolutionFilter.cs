using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Server.Logging;

namespace Simplestack.Server.Targets;

/// <summary>
/// Resolves <c>/{hypervisor}/{host}</c> for every route of the group, in API.md's order:
/// unknown hypervisor (404), unparsable host (400), target not allowed (403, no connection is
/// attempted), caller key (<see cref="ICallerAuthorizer"/>), hypervisor token (400 malformed,
/// 401 missing where the driver needs one). The result is a <see cref="ResolvedTarget"/> feature;
/// the connection itself is opened only when a handler asks for it.
/// </summary>
public sealed class TargetResolutionFilter(TargetResolver resolver, ICallerAuthorizer callers) : IEndpointFilter
{
    public const string HypervisorRouteKey = "hypervisor";
    public const string HostRouteKey = "host";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var resolved = resolver.Resolve(
            http.GetRouteValue(HypervisorRouteKey) as string ?? string.Empty,
            http.GetRouteValue(HostRouteKey) as string ?? string.Empty,
            http.TraceIdentifier);
        await callers.AuthorizeAsync(http, resolved);
        if (ReadCredentials(http, resolved) is { } credentials)
        {
            resolved = resolved with { Credentials = credentials };
        }

        http.Features.Set(resolved);
        return await next(context);
    }

    private static HypervisorCredentials? ReadCredentials(HttpContext http, ResolvedTarget resolved)
    {
        var values = http.Request.Headers[TokenParser.HeaderName];
        if (values.Count > 1)
        {
            throw new InvalidArgumentException($"Send one {TokenParser.HeaderName} header, not {values.Count}.");
        }

        switch (TokenParser.TryParse(values.Count == 1 ? values[0] : null, out var credentials, out var error))
        {
            case TokenStatus.Malformed:
                throw new InvalidArgumentException(error);
            case TokenStatus.Missing when resolved.Driver.RequiresCredentials(resolved.Target):
                throw new SimplestackException(
                    ErrorKind.Unauthorized,
                    $"The target {resolved.Target} needs credentials: send {TokenParser.HeaderName} with base64 of 'user:password'.");
            default:
                return credentials;
        }
    }
}

/// <summary>
/// The URL's <c>/{hypervisor}/{host}</c> to a driver and an allowed target, or the 404/400/403 of
/// API.md §2. The answer depends only on the two words and on configuration fixed at start, so an
/// allowed target is resolved once and kept (bounded); refusals are never kept, each is logged.
/// </summary>
public sealed class TargetResolver(DriverRegistry drivers, AllowList allowList, ILogger<TargetResolver> logger)
{
    private const int MaxCachedTargets = 1024;

    private readonly ConcurrentDictionary<(string Hypervisor, string Host), ResolvedTarget> _allowed = new();

    /// <summary>The target without credentials (the caller's header adds them).</summary>
    /// <param name="requestId">Named in the log line of a refusal.</param>
    public ResolvedTarget Resolve(string urlHypervisor, string urlHost, string? requestId = null)
    {
        if (_allowed.TryGetValue((urlHypervisor, urlHost), out var cached))
        {
            return cached;
        }

        var resolved = ResolveUncached(urlHypervisor, urlHost, requestId);
        if (_allowed.Count < MaxCachedTargets)
        {
            _allowed.TryAdd((urlHypervisor, urlHost), resolved);
        }

        return resolved;
    }

    private ResolvedTarget ResolveUncached(string urlHypervisor, string urlHost, string? requestId)
    {
        if (!drivers.TryGet(urlHypervisor, out var name, out var driver))
        {
            throw new EntityNotFoundException(
                $"Unknown hypervisor '{urlHypervisor}': this gateway serves {string.Join(", ", drivers.Names)}.");
        }

        if (!HostParser.TryParse(urlHost, out var host, out var error))
        {
            throw new InvalidArgumentException(error);
        }

        if (!allowList.IsAllowed(name, host!))
        {
            Log.TargetRefused(logger, name, host!.ToString(), requestId);
            throw new SimplestackException(
                ErrorKind.TargetNotAllowed,
                $"The target {name}/{host} is not in this gateway's allowed targets (Simplestack:AllowedTargets).");
        }

        var target = new HypervisorTarget(name, host!.Host, host.Port);
        return new ResolvedTarget(urlHypervisor, urlHost, driver, target, null);
    }
}
