using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

/// <summary>
/// One driver as <c>GET /drivers</c> shows it: its URL word and aliases, whether it can serve, and
/// what it can do, read from the type of the connections it opens (never a hand-kept list).
/// </summary>
/// <param name="Capabilities">The capability words, in the order of API.md's routes; pool, hosts and guest reads are always served.</param>
/// <param name="Notes">What this driver means by the API's common words (API.md §8).</param>
public sealed record DriverInfo(
    string Name,
    IReadOnlyList<string> Aliases,
    bool Available,
    string? Message,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<DriverNote> Notes);

public static class DriversEndpoints
{
    /// <summary>Maps <c>GET /drivers</c>; with <paramref name="protect"/>, it needs the API key when keys are configured, as <c>/readyz</c> does.</summary>
    public static IEndpointRouteBuilder MapDriversEndpoints(this IEndpointRouteBuilder routes, bool protect)
    {
        var list = routes.MapGet("/drivers", ListDrivers)
            .WithTags("Drivers")
            .WithName("ListDrivers")
            .WithSummary("The hypervisor drivers this gateway serves and what each can do")
            .WithDescription("Every `{hypervisor}` word with its aliases and the capabilities its driver implements; "
                + "a capability missing here answers 501 on its routes. No hypervisor is contacted.");
        if (protect)
        {
            RequireApiKeyFilter.ApplyTo(list);
        }

        return routes;
    }

    public static Ok<IReadOnlyList<DriverInfo>> ListDrivers(DriverRegistry drivers) => TypedResults.Ok(Describe(drivers));

    /// <summary>The registered drivers, in registration order.</summary>
    public static IReadOnlyList<DriverInfo> Describe(DriverRegistry drivers)
    {
        ArgumentNullException.ThrowIfNull(drivers);
        return [.. drivers.Names.Select(name =>
        {
            drivers.TryGet(name, out _, out var driver);
            var unavailable = driver!.UnavailableReason;
            return new DriverInfo(
                name,
                drivers.AliasesOf(name),
                unavailable is null,
                unavailable,
                [.. driver.Capabilities.Select(c => c.Name)],
                driver.Notes);
        })];
    }
}
