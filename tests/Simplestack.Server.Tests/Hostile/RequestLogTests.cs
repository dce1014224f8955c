using System.Text.Json;

namespace Simplestack.Server.Tests.Hostile;

/// <summary>The request log on the real <c>Program</c>: one line per answered request, with what an operator needs and nothing a caller sent in headers or the query.</summary>
public sealed class RequestLogTests(HostileGatewayFactory factory) : IClassFixture<HostileGatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_answered_request_writes_one_line_with_its_id_route_status_hypervisor_and_caller()
    {
        using var client = factory.CreateAuthorizedClient();
        using var list = new HttpRequestMessage(HttpMethod.Get, "/test/default/guests?api_key=query-secret-1");
        list.Headers.TryAddWithoutValidation("X-Request-Id", "rl-list-1");
        (await client.SendAsync(list, Ct)).EnsureSuccessStatusCode();
        using var missing = new HttpRequestMessage(HttpMethod.Get, "/test/default/guests/no-such-guest");
        missing.Headers.TryAddWithoutValidation("X-Request-Id", "rl-missing-1");
        await client.SendAsync(missing, Ct);
        using var anonymous = factory.CreateClient();
        using var unmatched = new HttpRequestMessage(HttpMethod.Get, "/nowhere/at/all/x/y/z");
        unmatched.Headers.TryAddWithoutValidation("X-Request-Id", "rl-unmatched-1");
        await anonymous.SendAsync(unmatched, Ct);
        var listLine = await StateAsync("rl-list-1");
        Assert.Equal("GET", listLine.GetProperty("Method").GetString());
        Assert.Equal("/test/default/guests", listLine.GetProperty("Path").GetString());
        Assert.Equal(200, listLine.GetProperty("Status").GetInt32());
        Assert.Equal("/{hypervisor}/{host}/guests/", listLine.GetProperty("Route").GetString());
        Assert.Equal("test", listLine.GetProperty("Hypervisor").GetString());
        Assert.Equal("hostile-suite", listLine.GetProperty("Caller").GetString());
        Assert.True(listLine.GetProperty("ElapsedMs").GetDouble() > 0);

        var missingLine = await StateAsync("rl-missing-1");
        Assert.Equal(404, missingLine.GetProperty("Status").GetInt32());
        Assert.Equal("/{hypervisor}/{host}/guests/{guestId}", missingLine.GetProperty("Route").GetString());

        var unmatchedLine = await StateAsync("rl-unmatched-1");
        Assert.Equal(404, unmatchedLine.GetProperty("Status").GetInt32());
        Assert.Equal("unmatched", unmatchedLine.GetProperty("Route").GetString());
        Assert.Equal("-", unmatchedLine.GetProperty("Caller").GetString());

        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains("query-secret-1", StringComparison.Ordinal));
    }

    /// <summary>
    /// The state of the request's access-log line. The line is queued after the answer has been
    /// sent, so a client can see the answer a moment before its line exists: wait for it.
    /// </summary>
    private async Task<JsonElement> StateAsync(string requestId)
    {
        bool Matches(string l) => l.Contains($"\"RequestId\":\"{requestId}\"", StringComparison.Ordinal) && l.Contains("\"EventId\":50", StringComparison.Ordinal);
        for (var waited = 0; waited < 100 && !factory.Logs.Lines.Any(Matches); waited++)
        {
            await factory.FlushAccessLogAsync();
            await Task.Delay(50, Ct);
        }

        var line = Assert.Single(factory.Logs.Lines, Matches);
        using var json = JsonDocument.Parse(line[line.IndexOf('{', StringComparison.Ordinal)..]);
        return json.RootElement.GetProperty("State").Clone();
    }
}
