extern alias XenSimulator;

using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// Another XenAPI client of the same pool (an administrator's, Xen Orchestra's): raw JSON-RPC
/// with a session of its own, so its changes reach the gateway only as the pool's events.
/// </summary>
internal sealed class RawXenApi(XenApiSimulator simulator) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.RawData)) == simulator.CertificateSha256,
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    private string? _session;

    /// <summary>Calls <paramref name="method"/> with this client's session first (logged in again once if the pool dropped it).</summary>
    public async Task<JsonNode?> CallAsync(string method, params object?[] parameters)
    {
        _session ??= (await SendAsync("session.login_with_password", ["root", XenGateway.Password, "1.1", "admin"]))!.GetValue<string>();
        try
        {
            return await SendAsync(method, [_session, .. parameters]);
        }
        catch (InvalidOperationException error) when (error.Message.StartsWith("SESSION_INVALID", StringComparison.Ordinal))
        {
            _session = null;
            return await CallAsync(method, parameters);
        }
    }

    /// <summary>The ref of the one VM named <paramref name="name"/>.</summary>
    public async Task<string> VmAsync(string name) => (await CallAsync("VM.get_by_name_label", name))![0]!.GetValue<string>();

    private async Task<JsonNode?> SendAsync(string method, object?[] parameters)
    {
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(parameters), ["id"] = 1 };
        using var response = await _http.PostAsJsonAsync(new Uri(simulator.Url, "jsonrpc"), body, TestContext.Current.CancellationToken);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        return answer["error"] is { } error
            ? throw new InvalidOperationException($"{error["message"]} {error["data"]?.ToJsonString()}")
            : answer["result"];
    }

    public void Dispose() => _http.Dispose();
}
