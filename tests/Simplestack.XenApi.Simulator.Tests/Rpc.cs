using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>Raw JSON-RPC and XML-RPC posts to a simulator, trusting only its pinned certificate.</summary>
internal sealed class Rpc : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _url;

    public Rpc(XenApiSimulator simulator, Uri? url = null)
    {
        _url = url ?? simulator.Url;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.RawData)) == simulator.CertificateSha256,
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Posts a JSON-RPC request (v2 unless <paramref name="version1"/>) and returns the whole answer.</summary>
    public async Task<JsonObject> CallAsync(string method, object?[] parameters, bool version1 = false)
    {
        var body = new JsonObject { ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(parameters), ["id"] = 7 };
        if (!version1)
        {
            body["jsonrpc"] = "2.0";
        }
        using var response = await _http.PostAsJsonAsync(new Uri(_url, "jsonrpc"), body, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>The result of a v2 call, failing the test on an error.</summary>
    public async Task<JsonNode?> ResultAsync(string method, params object?[] parameters)
    {
        var answer = await CallAsync(method, parameters);
        Assert.False(answer.ContainsKey("error"), method + ": " + answer.ToJsonString());
        return answer["result"];
    }

    public async Task<string> LoginAsync(string originator = "tests") =>
        (await ResultAsync("session.login_with_password", "root", "simplestack", "1.0", originator))!.GetValue<string>();

    public async Task<HttpResponseMessage> PostAsync(string path, string body, string contentType)
    {
        using var content = new StringContent(body, Encoding.UTF8, contentType);
        return await _http.PostAsync(new Uri(_url, path), content, TestContext.Current.CancellationToken);
    }

    public void Dispose() => _http.Dispose();
}
