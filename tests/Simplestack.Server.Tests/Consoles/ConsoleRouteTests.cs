using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Simplestack.Core;
using Simplestack.Server.Consoles;
using Simplestack.Server.Security;
using Simplestack.Server.Tests.Hostile;

namespace Simplestack.Server.Tests.Consoles;

/// <summary>
/// The console routes on the test hypervisor (which has no console) behind API keys: whatever is
/// refused is refused before any WebSocket opens, with the status API.md gives, and a ticket is
/// accepted once, for its own console only, and never written to a log.
/// </summary>
public sealed class ConsoleRouteTests(HostileGatewayFactory factory) : IClassFixture<HostileGatewayFactory>
{
    private const string Console = "/test/default/guests/test/console";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_a_key_or_ticket_both_routes_answer_401()
    {
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(Console, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync(Console + "/ticket", null, Ct)).StatusCode);
        Assert.Contains("401", await RefusedAsync(Console, key: null));
    }

    [Fact]
    public async Task A_plain_request_and_a_bad_type_answer_400_in_json()
    {
        using var client = factory.CreateAuthorizedClient();
        using var plain = await client.GetAsync(Console, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Contains("WebSocket", (await plain.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Message, StringComparison.Ordinal);

        Assert.Contains("400", await RefusedAsync(Console + "?type=rdp", factory.ApiKey));
        Assert.Contains("400", await RefusedAsync(Console + "?type=serial&type=vnc", factory.ApiKey));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(Console + "/ticket?type=spice", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task The_test_hypervisor_has_no_console_501()
    {
        Assert.Contains("501", await RefusedAsync(Console, factory.ApiKey));
        Assert.Contains("501", await RefusedAsync(Console + "?type=vnc", factory.ApiKey));
        using var client = factory.CreateAuthorizedClient();
        using var ticket = await client.PostAsync(Console + "/ticket", null, Ct);
        Assert.Equal(HttpStatusCode.NotImplemented, ticket.StatusCode);
        Assert.Equal("FeatureNotAvailable", (await ticket.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Error);
    }

    [Fact]
    public async Task A_ticket_lets_in_once_and_only_for_its_own_console()
    {
        var tickets = factory.Services.GetRequiredService<ConsoleTickets>();
        string Issue(string guest = "test", ConsoleType type = ConsoleType.Serial)
            => tickets.Issue("test", "default", guest, type, force: false, caller: "hostile-suite", credentials: null).Ticket;

        // Accepted in place of a key: the request gets past the caller check to the hypervisor, which has no console.
        var ticket = Issue();
        Assert.Contains("501", await RefusedAsync($"{Console}?ticket={ticket}", key: null));
        Assert.Contains("401", await RefusedAsync($"{Console}?ticket={ticket}", key: null)); // used

        Assert.Contains("401", await RefusedAsync($"{Console}?ticket={Issue(guest: "other")}", key: null));
        Assert.Contains("401", await RefusedAsync($"{Console}?type=vnc&ticket={Issue()}", key: null));
        Assert.Contains("401", await RefusedAsync($"/test/default/guests/test/console?ticket=not-a-ticket", key: null));
        var tampered = Issue().ToCharArray();
        tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
        Assert.Contains("401", await RefusedAsync($"{Console}?ticket={new string(tampered)}", key: null));
        Assert.Contains("401", await RefusedAsync($"{Console}?ticket={Issue()}&ticket={Issue()}", key: null));

        // A ticket is not a key anywhere else.
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/test/default/guests?ticket={Issue()}", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_ticket_never_reaches_the_logs()
    {
        var ticket = factory.Services.GetRequiredService<ConsoleTickets>()
            .Issue("test", "default", "test", ConsoleType.Serial, force: false, caller: "hostile-suite", credentials: new HypervisorCredentials("root", "console-secret-1")).Ticket;
        await RefusedAsync($"{Console}?ticket={ticket}", key: null);
        await RefusedAsync($"{Console}?ticket={ticket}", key: null);
        await factory.FlushAccessLogAsync();
        Assert.Contains(factory.Logs.Lines, l => l.Contains("/test/default/guests/test/console", StringComparison.Ordinal));
        Assert.Empty(factory.Logs.LinesContaining([ticket, ticket[..24], "console-secret-1"]));
    }

    [Fact]
    public async Task A_browser_may_offer_its_key_as_a_subprotocol()
    {
        string Offer(string key) => ConsoleTicketAuthorizer.KeySubprotocolPrefix + System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(key));

        // Accepted: the request reaches the hypervisor (which has no console).
        Assert.Contains("501", await RefusedAsync(Console, key: null, ["simplestack", Offer(factory.ApiKey)]));
        Assert.Contains("401", await RefusedAsync(Console, key: null, ["simplestack", Offer("not-the-key")]));
        Assert.Contains("401", await RefusedAsync(Console, key: null, ["simplestack", ConsoleTicketAuthorizer.KeySubprotocolPrefix + "***"]));
        Assert.Contains("401", await RefusedAsync(Console, key: null, ["simplestack"]));
    }

    /// <summary>Opens the console's WebSocket expecting a refusal; answers the handshake's error (which names the status).</summary>
    private async Task<string> RefusedAsync(string path, string? key, string[]? subprotocols = null)
    {
        var client = factory.Server.CreateWebSocketClient();
        if (key is not null)
        {
            client.ConfigureRequest = request => request.Headers[ApiKeyAuthorizer.TokenHeader] = key;
        }

        foreach (var subprotocol in subprotocols ?? [])
        {
            client.SubProtocols.Add(subprotocol);
        }

        var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var socket = await client.ConnectAsync(new Uri("ws://localhost" + path), Ct);
        });
        Assert.IsNotType<WebSocketException>(refused);
        return refused.Message;
    }

    private sealed record ErrorBody(string Error, string Message, int Status);
}
