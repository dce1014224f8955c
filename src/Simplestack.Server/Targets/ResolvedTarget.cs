using Simplestack.Core;

namespace Simplestack.Server.Targets;

/// <summary>
/// A request's target after <see cref="TargetResolutionFilter"/> has checked it: the driver, the
/// target, the caller's credentials, and the URL's own words for building <c>Location</c> paths.
/// </summary>
public sealed record ResolvedTarget(
    string UrlHypervisor,
    string UrlHost,
    IHypervisorDriver Driver,
    HypervisorTarget Target,
    HypervisorCredentials? Credentials);
