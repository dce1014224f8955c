using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Requests;
using Simplestack.Server.OpenApi;
using Simplestack.Core.Idempotency;
using Simplestack.Server.Targets;
using Simplestack.Server.Work;

namespace Simplestack.Server.Endpoints;

public static class NetworkInterfacesEndpoints
{
    public static IEndpointRouteBuilder MapNetworkInterfacesEndpoints(this IEndpointRouteBuilder routes)
    {
        var nics = routes.MapGroup("/guests/{guestId}/network_interfaces").WithTags("Network interfaces");
        nics.MapGet(string.Empty, ListNetworkInterfaces)
            .WithName("ListNetworkInterfaces")
            .WithSummary("A guest's network interfaces (id = MAC address)");
        nics.MapPost(string.Empty, CreateNetworkInterface)
            .WithName("CreateNetworkInterface")
            .WithSummary("Add a network interface on a network")
            .CreatesWithKey<NetworkInterface>();
        nics.MapGet("/{interfaceId}", GetNetworkInterface)
            .WithName("GetNetworkInterface")
            .WithSummary("One network interface, by MAC address");
        nics.MapPut("/{interfaceId}", UpdateNetworkInterface)
            .WithName("UpdateNetworkInterface")
            .WithSummary("Move an interface to another network, set its rate limit, locking, allowed addresses, or plug state")
            .WithDescription(
                "'ratelimit' is in bits per second (false removes the limit); it reads back as rate_limit {\"kbps\": \"N\"}. "
                + "locking_mode is network_default, locked, unlocked or disabled; ipv4_allowed and ipv6_allowed replace the lists; "
                + "active plugs (true) or unplugs (false) the interface of a running guest. The interface keeps its MAC and number. "
                + "A key the hypervisor has no meaning for answers 501 naming it.")
            .ProducesError(StatusCodes.Status409Conflict);
        nics.MapDelete("/{interfaceId}", DeleteNetworkInterface)
            .WithName("DeleteNetworkInterface")
            .WithSummary("Remove a network interface")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<NetworkInterface>>> ListNetworkInterfaces(HypervisorSession hv, string guestId)
        => TypedResults.Ok(await (await hv.RequireAsync<INetworkInterfaceManagement>()).ListNetworkInterfacesAsync(guestId, hv.Aborted));

    public static async Task<IResult> CreateNetworkInterface(HypervisorSession hv, string guestId, JsonBody<NicCreateRequest> body)
    {
        var nics = await hv.RequireAsync<INetworkInterfaceManagement>();
        return await LongWork.CreateAsync(
            hv,
            CreatedScope.On(guestId, CreatedKind.NetworkInterface),
            body.Value,
            ct => nics.CreateNetworkInterfaceAsync(guestId, body.Value, ct),
            (nicId, ct) => nics.GetNetworkInterfaceAsync(guestId, nicId, ct),
            nic => TypedResults.Created(hv.PathFor("guests", guestId, "network_interfaces", nic.Id), nic));
    }

    public static async Task<Ok<NetworkInterface>> GetNetworkInterface(HypervisorSession hv, string guestId, string interfaceId)
        => TypedResults.Ok(await (await hv.RequireAsync<INetworkInterfaceManagement>()).GetNetworkInterfaceAsync(guestId, interfaceId, hv.Aborted));

    public static async Task<Ok<NetworkInterface>> UpdateNetworkInterface(HypervisorSession hv, string guestId, string interfaceId, NicUpdateBody body)
    {
        var nics = await hv.RequireAsync<INetworkInterfaceManagement>();
        return TypedResults.Ok(await nics.UpdateNetworkInterfaceAsync(guestId, interfaceId, body.ToRequest(), hv.Aborted));
    }

    public static async Task<NoContent> DeleteNetworkInterface(HypervisorSession hv, string guestId, string interfaceId)
    {
        await (await hv.RequireAsync<INetworkInterfaceManagement>()).DeleteNetworkInterfaceAsync(guestId, interfaceId, hv.Aborted);
        return TypedResults.NoContent();
    }
}
