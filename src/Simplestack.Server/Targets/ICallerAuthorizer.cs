using Microsoft.AspNetCore.Http;

namespace Simplestack.Server.Targets;

/// <summary>
/// The hook for the caller's own API key (issue 6). <see cref="TargetResolutionMiddleware"/> calls it
/// after the allow-list check and before the hypervisor token, as API.md §1 orders the checks.
/// Throw a <see cref="Core.SimplestackException"/> of kind <c>Unauthorized</c> to refuse.
/// </summary>
public interface ICallerAuthorizer
{
    ValueTask AuthorizeAsync(HttpContext context, ResolvedTarget target);
}

/// <summary>No caller key is configured: every caller may proceed.</summary>
public sealed class AllowAllCallers : ICallerAuthorizer
{
    public ValueTask AuthorizeAsync(HttpContext context, ResolvedTarget target) => ValueTask.CompletedTask;
}
