using Simplestack.Core;
using Simplestack.Server.Connections;

namespace Simplestack.Server.Targets;

/// <summary>
/// A request's target after <see cref="TargetResolutionMiddleware"/> has checked it: the driver, the
/// target, the caller's credentials, and the URL's own words for building <c>Location</c> paths.
/// </summary>
public sealed class ResolvedTarget(
    string urlHypervisor,
    string urlHost,
    IHypervisorDriver driver,
    HypervisorTarget target,
    HypervisorCredentials? credentials)
{
    // A resolved target without credentials is kept by TargetResolver and shared by every request
    // for it, so its pool key is computed once, not per request.
    private ConnectionKey? _key;

    public string UrlHypervisor { get; } = urlHypervisor;

    public string UrlHost { get; } = urlHost;

    public IHypervisorDriver Driver { get; } = driver;

    public HypervisorTarget Target { get; } = target;

    public HypervisorCredentials? Credentials { get; } = credentials;

    /// <summary>The connection pool's key for this target and these credentials.</summary>
    public ConnectionKey Key => _key ??= ConnectionKey.For(Target, Credentials, Driver.IsSharedTarget(Target));

    /// <summary>The same target, for the caller these credentials name.</summary>
    public ResolvedTarget WithCredentials(HypervisorCredentials credentials) => new(UrlHypervisor, UrlHost, Driver, Target, credentials);
}
