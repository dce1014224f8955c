using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Errors;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Requests;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

/// <summary>The staging agent's body for <c>POST /host/{hostname}/</c> (seed 002).</summary>
public sealed record AgentHostRequest(long Memory, IReadOnlyList<double> Disks, IReadOnlyList<string> Networks, bool Install = false, string? Location = null, bool Console = false)
    : IValidatable
{
    public void Validate()
    {
        if (Install && string.IsNullOrWhiteSpace(Location))
        {
            throw new InvalidArgumentException("install needs location: the URL of the network install tree.");
        }
    }
}

/// <summary>The staging agent's body for <c>POST /host/{hostname}/network/{networkname}/</c>.</summary>
public sealed record AgentNetworkRequest(string Bridge, int Vlan) : IValidatable
{
    public void Validate()
    {
        FieldRules.Vlan(Vlan, "vlan");
    }
}

/// <summary>
/// The staging agent routes of API.md §7, served against one configured local target
/// (<c>Simplestack:Agent:Target</c>, default <c>kvm/localhost</c>) with the drivers used by
/// every other route. Hosts get their disks on a virtio-scsi controller (sdX in the guest), one
/// virtio NIC per named network and a serial console; with <c>install</c>, the installer from
/// <c>location</c> runs once and the domain then boots from disk.
/// </summary>
public static class AgentEndpoints
{
    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder routes)
    {
        var hosts = routes.MapGroup("/host/{hostname}")
            .WithTags("Staging agent")
            .WithMetadata(TargetRoute.Agent)
            .ProducesError(
                StatusCodes.Status400BadRequest,
                StatusCodes.Status401Unauthorized,
                StatusCodes.Status404NotFound,
                StatusCodes.Status500InternalServerError,
                StatusCodes.Status501NotImplemented,
                StatusCodes.Status502BadGateway,
                StatusCodes.Status503ServiceUnavailable,
                StatusCodes.Status504GatewayTimeout);

        // Routing matches these with and without the trailing slash the agent's clients send.
        hosts.MapGet(string.Empty, ProbeHost)
            .WithName("AgentProbeHost")
            .WithSummary("204 when a domain of that name exists, 404 when not");
        hosts.MapPost(string.Empty, CreateHost)
            .WithName("AgentCreateHost")
            .WithSummary("Create (and start, or install) the domain for a host: virtio-scsi disks, a NIC per network, a serial console")
            .ProducesError(StatusCodes.Status409Conflict);
        hosts.MapGet("/network/{networkname}", ProbeNetwork)
            .WithName("AgentProbeNetwork")
            .WithSummary("204 when the network exists, 404 when not");
        hosts.MapPost("/network/{networkname}", CreateNetwork)
            .WithName("AgentCreateNetwork")
            .WithSummary("Create a persistent Open vSwitch network with that VLAN tag on the bridge")
            .ProducesError(StatusCodes.Status409Conflict);

        return routes;
    }

    public static async Task<Results<NoContent, NotFound<ErrorResponse>>> ProbeHost(HypervisorSession hv, string hostname)
    {
        try
        {
            await (await hv.ConnectAsync()).GetGuestAsync(hostname, hv.Aborted);
            return TypedResults.NoContent();
        }
        catch (EntityNotFoundException)
        {
            return NotFound($"No domain named '{hostname}' exists.");
        }
    }

    public static async Task<Created<Guest>> CreateHost(HypervisorSession hv, string hostname, JsonBody<AgentHostRequest> body)
    {
        var agent = body.Value;
        var request = RequestRules.Validated(new GuestCreateRequest(
            Name: hostname,
            Memory: agent.Memory,
            Cpus: 1,
            Disks: [.. agent.Disks.Select(size => new DiskSpec(size, Bus: "scsi"))],
            NetworkInterfaces: [.. agent.Networks.Select(network => new NicSpec(network, Model: "virtio"))],
            Install: agent.Install ? new InstallSpec(agent.Location!, agent.Console ? "console=ttyS0" : null) : null,
            Start: true));
        var guest = await (await hv.RequireAsync<IGuestManagement>()).CreateGuestAsync(request, hv.Aborted);
        return TypedResults.Created(hv.PathFor("guests", guest.Id), guest);
    }

    public static async Task<Results<NoContent, NotFound<ErrorResponse>>> ProbeNetwork(HypervisorSession hv, string networkname)
    {
        try
        {
            await (await hv.RequireAsync<INetworkManagement>()).GetNetworkAsync(networkname, hv.Aborted);
            return TypedResults.NoContent();
        }
        catch (EntityNotFoundException)
        {
            return NotFound($"No network named '{networkname}' exists.");
        }
    }

    /// <summary>A probe's 404: the error body every 404 has, saying what was looked for (the route did match).</summary>
    private static NotFound<ErrorResponse> NotFound(string message)
        => TypedResults.NotFound(new ErrorResponse(nameof(ErrorKind.EntityNotFound), message, StatusCodes.Status404NotFound));

    public static async Task<Created<Network>> CreateNetwork(HypervisorSession hv, string hostname, string networkname, JsonBody<AgentNetworkRequest> body)
    {
        var agent = body.Value;
        var request = RequestRules.Validated(new NetworkCreateRequest(networkname, $"VLAN {agent.Vlan} for {hostname}", agent.Bridge, agent.Vlan));
        var network = await (await hv.RequireAsync<INetworkManagement>()).CreateNetworkAsync(request, hv.Aborted);
        return TypedResults.Created(hv.PathFor("networks", network.Id), network);
    }
}
