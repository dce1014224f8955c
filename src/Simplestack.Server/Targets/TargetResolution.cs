using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Connections;
using Simplestack.Server.Logging;

namespace Simplestack.Server.Targets;

/// <summary>
/// Gives every route that acts on a hypervisor (those carrying <see cref="TargetRoute"/>) its
/// <see cref="HypervisorSession"/>. For <c>/{hypervisor}/{host}</c>, in API.md's order: unknown
/// hypervisor (404), unparsable host (400), target not allowed (403, no connection is attempted),
/// caller key (<see cref="ICallerAuthorizer"/>), hypervisor token (400 malformed, 401 missing where
/// the driver needs one). The staging agent's routes get the configured target and the same caller
/// check. The connection itself is opened only when a handler asks for it.
/// A middleware right after routing rather than an endpoint filter: it runs before any parameter is
/// bound or body read (a refused target costs nothing more), and adds no filter pipeline, with its
/// per-request invocation context, to every call of the busiest routes.
/// </summary>
public sealed class TargetResolutionMiddleware(RequestDelegate next, TargetResolver resolver, ICallerAuthorizer callers, ConnectionPool pool)
{
    public const string HypervisorRouteKey = "hypervisor";
    public const string HostRouteKey = "host";

    public Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<TargetRoute>() is not { } route)
        {
            return next(http);
        }

        var resolved = route.IsAgent
            ? resolver.ResolveAgent()
            : resolver.Resolve(
                http.GetRouteValue(HypervisorRouteKey) as string ?? string.Empty,
                http.GetRouteValue(HostRouteKey) as string ?? string.Empty,
                http.TraceIdentifier);
        var authorizing = callers.AuthorizeAsync(http, resolved);
        if (!authorizing.IsCompletedSuccessfully)
        {
            return ContinueAfterAsync(authorizing, http, resolved, route);
        }

        authorizing.GetAwaiter().GetResult();
        return Continue(http, resolved, route);
    }

    private async Task ContinueAfterAsync(ValueTask authorizing, HttpContext http, ResolvedTarget resolved, TargetRoute route)
    {
        await authorizing;
        await Continue(http, resolved, route);
    }

    private Task Continue(HttpContext http, ResolvedTarget resolved, TargetRoute route)
    {
        // The agent acts on a local target the operator configured: no hypervisor token is read.
        // Credentials the caller check found elsewhere (a console ticket carries them sealed) stand for the header's.
        var credentials = http.Features.Get<CarriedCredentials>() is { } carried ? carried.Credentials : null;
        if (!route.IsAgent && (credentials ?? ReadCredentials(http, resolved)) is { } presented)
        {
            resolved = resolved.WithCredentials(presented);
        }

        http.Features.Set(new HypervisorSession(http, resolved, pool));
        return next(http);
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
/// A request feature the caller check may set: hypervisor credentials that came with what
/// authorized the request (a console ticket) rather than in the hypervisor token header.
/// </summary>
public sealed record CarriedCredentials(HypervisorCredentials? Credentials);

/// <summary>Endpoint metadata: the route acts on a hypervisor, and <see cref="TargetResolutionMiddleware"/> resolves which.</summary>
public sealed class TargetRoute
{
    /// <summary>A route under <c>/{hypervisor}/{host}</c>: the target is the URL's.</summary>
    public static readonly TargetRoute FromUrl = new(isAgent: false);

    /// <summary>A staging agent route: the target is <c>Simplestack:Agent:Target</c>.</summary>
    public static readonly TargetRoute Agent = new(isAgent: true);

    private TargetRoute(bool isAgent) => IsAgent = isAgent;

    public bool IsAgent { get; }
}

/// <summary>
/// The URL's <c>/{hypervisor}/{host}</c> to a driver and an allowed target, or the 404/400/403 of
/// API.md §2. The answer depends only on the two words and on configuration fixed at start, so an
/// allowed target is resolved once and kept (bounded); refusals are never kept, each is logged.
/// </summary>
public sealed class TargetResolver(DriverRegistry drivers, AllowList allowList, IOptions<AgentOptions> agentOptions, ILogger<TargetResolver> logger)
{
    private const int MaxCachedTargets = 1024;

    private readonly ConcurrentDictionary<(string Hypervisor, string Host), ResolvedTarget> _allowed = new();

    // Configuration is fixed at start: a valid agent target is resolved once (its pool key with it).
    private ResolvedTarget? _agent;

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

    /// <summary>
    /// The staging agent's target, <c>Simplestack:Agent:Target</c> (<c>hypervisor/host</c>). The
    /// operator configured it, so the allow-list (which is about targets callers name) does not apply.
    /// </summary>
    public ResolvedTarget ResolveAgent()
    {
        if (_agent is { } agent)
        {
            return agent;
        }

        var configured = agentOptions.Value.Target;
        if (!drivers.TryParseConfiguredTarget(configured, out var driver, out var target))
        {
            throw new SimplestackException(ErrorKind.FeatureNotAvailable, $"The staging agent's target '{configured}' (Simplestack:Agent:Target) is not a valid hypervisor/host.");
        }

        var slash = configured.IndexOf('/', StringComparison.Ordinal);
        return _agent = new ResolvedTarget(configured[..slash], configured[(slash + 1)..], driver, target, null);
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
