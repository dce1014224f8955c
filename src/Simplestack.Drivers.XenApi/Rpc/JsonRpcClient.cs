using System.Net;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Simplestack.Core;

namespace Simplestack.Drivers.XenApi.Rpc;

/// <summary>
/// A small JSON-RPC 2.0 client for XenAPI's <c>POST https://host/jsonrpc</c> (DRIVERS.md §2).
/// It sends one call, reads the answer in either version's shape, and throws
/// <see cref="XenApiFailure"/> for an error answer and <see cref="HypervisorUnavailableException"/>
/// when the pool cannot be reached. It knows nothing of sessions: the session ref is the first
/// parameter its caller passes. Parameters are never written into exceptions (they hold the password and the session).
/// </summary>
public sealed class JsonRpcClient : IDisposable
{
    private readonly HttpClient _http;
    private volatile bool _closed;
    private long _nextId;

    public JsonRpcClient(Uri endpoint, HttpMessageHandler handler, bool disposeHandler = true)
    {
        Endpoint = endpoint;
        // The call policy owns timeouts (the wait for a slot included); HttpClient's own would race it.
        _http = new HttpClient(handler, disposeHandler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary><c>https://host[:port]/jsonrpc</c>.</summary>
    public Uri Endpoint { get; }

    public static Uri EndpointFor(string host, int? port)
        => new UriBuilder(Uri.UriSchemeHttps, host, port ?? 443, "/jsonrpc").Uri;

    /// <summary>Calls <paramref name="method"/> and reads its result as <typeparamref name="T"/>.</summary>
    public async Task<T> CallAsync<T>(string method, JsonTypeInfo<T> resultType, IReadOnlyList<JsonNode?> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resultType);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new ByteArrayContent(WriteRequest(method, parameters, Interlocked.Increment(ref _nextId))),
            Version = HttpVersion.Version11,
        };
        // Exactly application/json: Xen Orchestra's client checks it the same way, and xapi answers JSON to it.
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using (var response = await SendAsync(request, cancellationToken))
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HypervisorErrorException($"The Xen pool at {Endpoint.Authority} answered {method} with HTTP {(int)response.StatusCode}, not a JSON-RPC answer.");
            }

            JsonDocument answer;
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                answer = await JsonDocument.ParseAsync(body, default, cancellationToken);
            }
            catch (JsonException error)
            {
                throw new HypervisorErrorException($"The Xen pool at {Endpoint.Authority} answered {method} with something that is not JSON.", error);
            }
            catch (Exception error) when (error is IOException or HttpRequestException || (error is ObjectDisposedException && _closed))
            {
                throw new HypervisorUnavailableException($"The Xen pool at {Endpoint.Authority} closed the connection during {method}.", error);
            }

            using (answer)
            {
                return ReadAnswer(method, answer.RootElement, resultType);
            }
        }
    }

    /// <summary>
    /// Sends a request to the pool (a call to /jsonrpc, or a transfer through the /export and
    /// /import handlers beside it) over the same connections and certificate trust, answering once
    /// the headers are in. A pool that cannot be reached or is not trusted is a 503.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException error) when (error.InnerException is AuthenticationException)
        {
            throw new HypervisorUnavailableException($"The Xen pool at {Endpoint.Authority} presented a certificate this gateway does not trust (see Simplestack:XenApi CaFile and CertificatePins).", error);
        }
        catch (HttpRequestException error)
        {
            throw new HypervisorUnavailableException($"The Xen pool at {Endpoint.Authority} cannot be reached: {error.HttpRequestError}.", error);
        }
        catch (ObjectDisposedException error) when (_closed)
        {
            // The gateway closed this connection (found dead, or evicted) while a request was still on it.
            throw new HypervisorUnavailableException($"The connection to the Xen pool at {Endpoint.Authority} was closed.", error);
        }
    }

    /// <summary>Reads an answer: <c>{"result":...}</c>, or an error in the 2.0 or 1.0 shape.</summary>
    internal static T ReadAnswer<T>(string method, JsonElement root, JsonTypeInfo<T> resultType)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new HypervisorErrorException($"The Xen pool answered {method} with a JSON {root.ValueKind}, not a JSON-RPC answer.");
        }

        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            throw ReadFailure(method, error);
        }

        if (!root.TryGetProperty("result", out var result))
        {
            throw new HypervisorErrorException($"The Xen pool's answer to {method} has neither result nor error.");
        }

        try
        {
            return result.Deserialize(resultType)!;
        }
        catch (JsonException parse)
        {
            throw new HypervisorErrorException($"The Xen pool's answer to {method} does not have the expected shape.", parse);
        }
    }

    private static Exception ReadFailure(string method, JsonElement error)
    {
        switch (error.ValueKind)
        {
            // 2.0: {"code":1,"message":"CODE","data":[params]}
            case JsonValueKind.Object when error.TryGetProperty("message", out var code) && code.ValueKind == JsonValueKind.String:
                return new XenApiFailure(code.GetString()!, error.TryGetProperty("data", out var data) ? Strings(data) : []);
            // 1.0: ["CODE", params...]
            case JsonValueKind.Array when error.GetArrayLength() > 0 && error[0].ValueKind == JsonValueKind.String:
                return new XenApiFailure(error[0].GetString()!, [.. Strings(error).Skip(1)]);
            default:
                return new HypervisorErrorException($"The Xen pool answered {method} with an error this driver cannot read.");
        }
    }

    private static List<string> Strings(JsonElement array)
        => array.ValueKind == JsonValueKind.Array
            ? [.. array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())]
            : [];

    internal static byte[] WriteRequest(string method, IReadOnlyList<JsonNode?> parameters, long id)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WriteString("method", method);
            writer.WriteStartArray("params");
            foreach (var parameter in parameters)
            {
                if (parameter is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    parameter.WriteTo(writer);
                }
            }

            writer.WriteEndArray();
            writer.WriteNumber("id", id);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public void Dispose()
    {
        _closed = true;
        _http.Dispose();
    }
}
