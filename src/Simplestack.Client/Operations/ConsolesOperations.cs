using System.Net;
using System.Net.WebSockets;

namespace Simplestack.Client.Operations;

/// <summary>Which console of a guest (API.md §10).</summary>
public enum ConsoleType
{
    /// <summary>The serial console's bytes.</summary>
    Serial,

    /// <summary>The graphical console as RFB (the VNC protocol).</summary>
    Vnc,
}

/// <summary>A one-use ticket that opens a console without a key (<c>?ticket=</c>), as a browser must.</summary>
public sealed record ConsoleTicket(string Ticket, DateTimeOffset Expires);

/// <summary>
/// Connects a WebSocket to <paramref name="uri"/> sending <paramref name="headers"/>; throws
/// <see cref="SimplestackApiException"/> when the gateway answers something else than the upgrade.
/// </summary>
public delegate Task<WebSocket> WebSocketConnector(Uri uri, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken);

/// <summary><c>.../guests/{id}/console</c>: a guest's console as a WebSocket of raw bytes, and tickets for browsers.</summary>
public sealed class ConsolesOperations
{
    private readonly RestChannel _channel;

    internal ConsolesOperations(RestChannel channel) => _channel = channel;

    /// <summary>How WebSockets are opened: a <see cref="ClientWebSocket"/> unless set (tests connect to an in-process gateway).</summary>
    public WebSocketConnector Connector { get; set; } = ConnectClientWebSocketAsync;

    /// <summary>
    /// Opens the console: binary messages carry its bytes both ways; the gateway closes the
    /// WebSocket (1000) when the console ends. 409 when the guest is not running or its serial
    /// console is held elsewhere (<paramref name="force"/> takes it over), 501 where there is none.
    /// </summary>
    public Task<WebSocket> OpenAsync(string guestId, ConsoleType type = ConsoleType.Serial, bool force = false, CancellationToken cancellationToken = default)
    {
        var baseAddress = _channel.Http.BaseAddress ?? throw new InvalidOperationException("The HttpClient has no BaseAddress.");
        var path = _channel.PathFor("guests", guestId, "console") + Query(type) + (force ? "&force=true" : string.Empty);
        var uri = new UriBuilder(new Uri(baseAddress, baseAddress.AbsolutePath.TrimEnd('/') + path))
        {
            Scheme = baseAddress.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
        }.Uri;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (_channel.Target.HypervisorToken is { } token)
        {
            headers[SimplestackTarget.HypervisorTokenHeader] = token;
        }

        if (!string.IsNullOrEmpty(_channel.Target.ApiKey))
        {
            headers[SimplestackTarget.ApiKeyHeader] = _channel.Target.ApiKey;
        }

        return Connector(uri, headers, cancellationToken);
    }

    /// <summary><c>POST .../console/ticket</c>: a ticket for a browser, valid for 30 s and one opening.</summary>
    public Task<ConsoleTicket> CreateTicketAsync(string guestId, ConsoleType type = ConsoleType.Serial, bool force = false, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<ConsoleTicket>(
            HttpMethod.Post, _channel.PathFor("guests", guestId, "console", "ticket") + Query(type) + (force ? "&force=true" : string.Empty), null, cancellationToken);

    private static string Query(ConsoleType type) => type == ConsoleType.Vnc ? "?type=vnc" : "?type=serial";

    private static async Task<WebSocket> ConnectClientWebSocketAsync(Uri uri, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in headers)
        {
            socket.Options.SetRequestHeader(name, value);
        }

        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
            return socket;
        }
        catch (WebSocketException) when (socket.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            // The refusal's JSON body is not handed over by ClientWebSocket: the status tells the kind.
            throw SimplestackApiException.FromResponse(status, null, "GET", uri.AbsolutePath);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
