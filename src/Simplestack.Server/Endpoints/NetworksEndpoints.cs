using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Requests;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

public static class NetworksEndpoints
{
    public static IEndpointRouteBuilder MapNetworksEndpoints(this IEndpointRouteBuilder routes)
    {
        var networks = routes.MapGroup("/networks").WithTags("Networks");
        networks.MapGet(string.Empty, ListNetworks)
            .WithName("ListNetworks")
            .WithSummary("The hypervisor's networks (id = name)");
        networks.MapPost(string.Empty, CreateNetwork)
            .WithName("CreateNetwork")
            .WithSummary("Create a network, optionally with a VLAN tag on top of 'from_network'")
            .ProducesError(StatusCodes.Status409Conflict);
        networks.MapGet("/{networkId}", GetNetwork)
            .WithName("GetNetwork")
            .WithSummary("One network, by name or UUID");
        networks.MapDelete("/{networkId}", DeleteNetwork)
            .WithName("DeleteNetwork")
            .WithSummary("Delete a network")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<Network>>> ListNetworks(HypervisorSession hv)
        => TypedResults.Ok(await (await hv.RequireAsync<INetworkManagement>()).ListNetworksAsync(hv.Aborted));

    public static async Task<Created<Network>> CreateNetwork(HypervisorSession hv, JsonBody<NetworkCreateRequest> body)
    {
        var networks = await hv.RequireAsync<INetworkManagement>();
        var network = await networks.CreateNetworkAsync(body.Value, hv.Aborted);
        return TypedResults.Created(hv.PathFor("networks", network.Id), network);
    }

    public static async Task<Ok<Network>> GetNetwork(HypervisorSession hv, string networkId)
        => TypedResults.Ok(await (await hv.RequireAsync<INetworkManagement>()).GetNetworkAsync(networkId, hv.Aborted));

    public static async Task<NoContent> DeleteNetwork(HypervisorSession hv, string networkId)
    {
        await (await hv.RequireAsync<INetworkManagement>()).DeleteNetworkAsync(networkId, hv.Aborted);
        return TypedResults.NoContent();
    }
}
