using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

public static class PoolEndpoints
{
    public static IEndpointRouteBuilder MapPoolEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(string.Empty, GetPool)
            .WithTags("Pool")
            .WithName("GetPool")
            .WithSummary("Pool information")
            .WithDescription("Memory in MiB (used and total), the pool's UUID, its master host and the hypervisor's software versions.");
        return routes;
    }

    public static async Task<Ok<PoolInfo>> GetPool(HypervisorSession hv)
        => TypedResults.Ok(await (await hv.ConnectAsync()).GetPoolInfoAsync(hv.Aborted));
}
