using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

public static class HostsEndpoints
{
    public static IEndpointRouteBuilder MapHostsEndpoints(this IEndpointRouteBuilder routes)
    {
        var hosts = routes.MapGroup("/hosts").WithTags("Hosts");
        hosts.MapGet(string.Empty, ListHosts)
            .WithName("ListHosts")
            .WithSummary("The hosts of the pool");
        hosts.MapGet("/{hostId}", GetHost)
            .WithName("GetHost")
            .WithSummary("One host, by name or address");
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<HostInfo>>> ListHosts(HypervisorSession hv)
        => TypedResults.Ok(await (await hv.ConnectAsync()).ListHostsAsync(hv.Aborted));

    public static async Task<Ok<HostInfo>> GetHost(HypervisorSession hv, string hostId)
        => TypedResults.Ok(await (await hv.ConnectAsync()).GetHostAsync(hostId, hv.Aborted));
}
