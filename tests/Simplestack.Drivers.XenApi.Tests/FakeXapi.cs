using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Simplestack.Drivers.XenApi.Tests;

/// <summary>
/// An HttpMessageHandler that answers JSON-RPC as xapi does, from canned answers per method
/// (shapes taken from xapi's own recordings), and records every call it got.
/// </summary>
internal sealed class FakeXapi : HttpMessageHandler
{
    public const string Session = "OpaqueRef:session-1";

    private readonly Dictionary<string, Func<JsonArray, string>> _answers = new(StringComparer.Ordinal);

    public FakeXapi(string host = "pool.test")
    {
        Host = host;
        On("session.login_with_password", p => p[0]!.GetValue<string>() == "root" && p[1]!.GetValue<string>() == "secret"
            ? Result($"\"{Session}\"")
            : Error("SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure"));
        On("session.logout", _ => Result("\"\""));
    }

    public string Host { get; }

    public List<(string Method, JsonArray Params, string? ContentType, Uri? Uri)> Calls { get; } = [];

    public IEnumerable<string> Methods => Calls.Select(c => c.Method);

    /// <summary>Answers <paramref name="method"/> with the JSON <paramref name="answer"/> builds from the parameters.</summary>
    public FakeXapi On(string method, Func<JsonArray, string> answer)
    {
        _answers[method] = answer;
        return this;
    }

    public FakeXapi On(string method, string resultJson) => On(method, _ => Result(resultJson));

    public static string Result(string json) => $"{{\"jsonrpc\":\"2.0\",\"result\":{json},\"id\":1}}";

    public static string Error(string code, params string[] data)
        => $"{{\"jsonrpc\":\"2.0\",\"error\":{{\"code\":1,\"message\":\"{code}\",\"data\":{JsonSerializer.Serialize(data)}}},\"id\":1}}";

    public Func<HttpRequestMessage, Exception?>? Fail { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Fail?.Invoke(request) is { } failure)
        {
            throw failure;
        }

        var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
        var method = body["method"]!.GetValue<string>();
        var parameters = body["params"]!.AsArray();
        lock (Calls)
        {
            Calls.Add((method, (JsonArray)parameters.DeepClone(), request.Content.Headers.ContentType?.ToString(), request.RequestUri));
        }

        var answer = _answers.TryGetValue(method, out var make)
            ? make(parameters)
            : Error("MESSAGE_METHOD_UNKNOWN", method);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer, Encoding.UTF8, "application/json") };
    }
}
