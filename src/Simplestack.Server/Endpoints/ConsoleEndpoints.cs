using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Simplestack.Core;
using Simplestack.Server.Consoles;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

/// <summary>A console ticket (API.md §10): pass it as <c>?ticket=</c> to the console's WebSocket before it expires.</summary>
public sealed record ConsoleTicketResponse(string Ticket, DateTimeOffset Expires);

/// <summary>
/// The console of a guest over a WebSocket (API.md §10). Everything that can be refused is
/// refused before the upgrade, as a JSON error (a WebSocket client sees the status): a request
/// that is not a WebSocket (400), a bad type (400), no key or ticket (401), no such guest (404), a
/// guest not running or a console in use (409), a hypervisor without consoles (501).
/// </summary>
public static class ConsoleEndpoints
{
    public const string GuestIdRouteKey = "guestId";

    public static IEndpointRouteBuilder MapConsoleEndpoints(this IEndpointRouteBuilder routes)
    {
        var console = routes.MapGroup("/guests/{guestId}/console").WithTags("Consoles");
        console.MapGet(string.Empty, OpenConsole)
            .WithMetadata(AcceptsConsoleTicket.Instance)
            .WithName("OpenConsole")
            .WithSummary("The guest's console over a WebSocket: ?type=serial (default) or vnc (RFB), ?force=true to take a serial console over")
            .WithDescription(
                "A WebSocket upgrade (binary messages both ways; a client's message may be up to 64 KiB, a larger one closes with 1009). "
                + "Authenticated with the caller key's headers, or with ?ticket= from POST .../console/ticket (a browser cannot set headers). "
                + "The WebSocket closes with 1000 when the console ends (the guest stopped, or another opener took it over).")
            .Produces(StatusCodes.Status101SwitchingProtocols)
            .ProducesError(StatusCodes.Status409Conflict);
        console.MapPost("/ticket", IssueTicket)
            .WithName("IssueConsoleTicket")
            .WithSummary("A one-use ticket, valid 30 s, that opens this console from a browser (?ticket=)")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    /// <summary>The console type of a query (<c>serial</c>, <c>vnc</c>), null when absent; 400 otherwise.</summary>
    public static ConsoleType? ParseType(StringValues values) => values.Count switch
    {
        0 => null,
        1 when string.Equals(values[0], "serial", StringComparison.OrdinalIgnoreCase) => ConsoleType.Serial,
        1 when string.Equals(values[0], "vnc", StringComparison.OrdinalIgnoreCase) => ConsoleType.Vnc,
        _ => throw new InvalidArgumentException("type must be 'serial' or 'vnc', given once."),
    };

    private static async Task<IGuestConsole> RequireConsoleAsync(HypervisorSession hv, ConsoleType type)
    {
        var consoles = await hv.RequireAsync<IGuestConsole>();
        return consoles.ConsoleTypes.Contains(type)
            ? consoles
            : throw new FeatureNotAvailableException($"The {hv.Target.UrlHypervisor} hypervisor's guests have no {type.ToString().ToLowerInvariant()} console.");
    }

    /// <param name="type">Read from the query as <see cref="ParseType"/> reads it; a parameter so the contract shows it.</param>
    public static async Task<Ok<ConsoleTicketResponse>> IssueTicket(HypervisorSession hv, string guestId, string? type, bool? force, ConsoleTickets tickets)
    {
        var consoleType = ParseType(hv.HttpContext.Request.Query["type"]) ?? ConsoleType.Serial;
        // Refused now rather than when the browser opens it: no console here (501), no such guest (404).
        await RequireConsoleAsync(hv, consoleType);
        await (await hv.ConnectAsync()).GetGuestAsync(guestId, hv.Aborted);
        var caller = hv.HttpContext.Items.TryGetValue(ApiKeyAuthorizer.CallerItem, out var name) ? name as string : null;
        var (ticket, expires) = tickets.Issue(hv.Target.UrlHypervisor, hv.Target.UrlHost, guestId, consoleType, force ?? false, caller, hv.Target.Credentials);
        hv.HttpContext.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new ConsoleTicketResponse(ticket, expires));
    }

    /// <param name="type">Read from the query as <see cref="ParseType"/> reads it; a parameter so the contract shows it.</param>
    /// <param name="ticket">Redeemed by the caller check (<see cref="ConsoleTicketAuthorizer"/>); a parameter so the contract shows it.</param>
    public static async Task OpenConsole(HypervisorSession hv, string guestId, string? type, string? ticket, bool? force, IOptions<ConsoleOptions> options)
    {
        var http = hv.HttpContext;
        var redeemed = http.Features.Get<ConsoleTicket>();
        var consoleType = redeemed?.Type ?? ParseType(http.Request.Query["type"]) ?? ConsoleType.Serial;
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw new InvalidArgumentException("The console is a WebSocket: send a WebSocket upgrade request (GET with Upgrade: websocket).");
        }

        var consoles = await RequireConsoleAsync(hv, consoleType);
        await using var console = await consoles.OpenConsoleAsync(guestId, consoleType, redeemed?.Force ?? force ?? false, hv.Aborted);
        // noVNC asks for the "binary" subprotocol, a browser passing its key as one offers "simplestack"
        // beside it; a browser refuses an answer without one it offered. The key's own is never echoed.
        var offered = http.WebSockets.WebSocketRequestedProtocols;
        var subprotocol = offered.Contains("binary") ? "binary" : offered.Contains("simplestack") ? "simplestack" : null;
        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subprotocol });
        await ConsolePump.RunAsync(socket, console, options.Value.MaxMessageBytes, hv.Aborted);
    }
}
