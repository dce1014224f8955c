using Microsoft.AspNetCore.Http;
using Simplestack.Core;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Consoles;

/// <summary>Endpoint metadata: the route (the console's WebSocket) also accepts a console ticket in <c>?ticket=</c>.</summary>
public sealed class AcceptsConsoleTicket
{
    public static readonly AcceptsConsoleTicket Instance = new();

    public const string QueryName = "ticket";
}

/// <summary>
/// The caller check with console tickets: on a route that takes them, a request carrying
/// <c>?ticket=</c> is let in by the ticket alone (redeemed: once, before it expires, for this
/// target, guest and console type) instead of a key, and one offering its key as a subprotocol
/// (without a key header) is checked with that key; every other request goes to the key check.
/// The ticket's caller name goes to the request's log line as a key's would, and its hypervisor
/// credentials become the request's (<see cref="CarriedCredentials"/>).
/// </summary>
public sealed class ConsoleTicketAuthorizer(ApiKeyAuthorizer keys, ConsoleTickets tickets) : ICallerAuthorizer
{
    public ValueTask AuthorizeAsync(HttpContext context, ResolvedTarget target)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<AcceptsConsoleTicket>() is null)
        {
            return keys.AuthorizeAsync(context, target);
        }

        if (!context.Request.Query.TryGetValue(AcceptsConsoleTicket.QueryName, out var presented))
        {
            // A browser's other way: the key as a subprotocol, when no header carries one.
            if (ApiKeyAuthorizer.ReadKey(context.Request.Headers, out _) is null && KeyFromSubprotocols(context) is { } key)
            {
                keys.AuthorizeKey(context, key);
                return ValueTask.CompletedTask;
            }

            return keys.AuthorizeAsync(context, target);
        }

        if (presented.Count != 1)
        {
            throw new UnauthorizedException("Send one console ticket.");
        }

        if (tickets.Redeem(presented[0] ?? string.Empty, out var problem) is not { } ticket)
        {
            throw new UnauthorizedException(problem);
        }

        var guestId = context.GetRouteValue(Endpoints.ConsoleEndpoints.GuestIdRouteKey) as string;
        if (ticket.Hypervisor != target.UrlHypervisor || ticket.Host != target.UrlHost || ticket.GuestId != guestId
            || (Endpoints.ConsoleEndpoints.ParseType(context.Request.Query["type"]) is { } type && type != ticket.Type))
        {
            throw new UnauthorizedException("The console ticket is for another console.");
        }

        if (ticket.Caller is not null)
        {
            context.Items[ApiKeyAuthorizer.CallerItem] = ticket.Caller;
        }

        context.Features.Set(ticket);
        context.Features.Set(new CarriedCredentials(ticket.Credentials));
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The key of a <c>simplestack.key.BASE64URL</c> subprotocol (a subprotocol is an HTTP token,
    /// so the key is base64url of its UTF-8 bytes), as Kubernetes takes a bearer token from a
    /// browser's WebSocket. The gateway never answers with that subprotocol: it picks
    /// <c>binary</c> or <c>simplestack</c>, which the client must also offer.
    /// </summary>
    private static string? KeyFromSubprotocols(HttpContext context)
    {
        foreach (var value in context.Request.Headers.SecWebSocketProtocol)
        {
            foreach (var offered in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!offered.StartsWith(KeySubprotocolPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                try
                {
                    return System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(offered.AsSpan(KeySubprotocolPrefix.Length)));
                }
                catch (FormatException)
                {
                    throw new UnauthorizedException($"The {KeySubprotocolPrefix} subprotocol must carry the key as base64url.");
                }
            }
        }

        return null;
    }

    public const string KeySubprotocolPrefix = "simplestack.key.";
}
