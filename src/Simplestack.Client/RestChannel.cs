using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Simplestack.Client;

/// <summary>The client's JSON settings: the gateway's snake_case names, nulls left out of request bodies.</summary>
public static class SimplestackJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>
/// Sends the requests of one target: builds the URL under <c>/{hypervisor}/{host}</c>, adds the
/// credential headers, and turns every error answer into a <see cref="SimplestackApiException"/>.
/// </summary>
internal sealed partial class RestChannel(HttpClient http, SimplestackTarget target)
{
    /// <summary>When a keyed creating request is sent again (see <see cref="SendWorkAsync{T}"/>).</summary>
    public SimplestackRetryPolicy Retries { get; set; } = SimplestackRetryPolicy.Default;

    public HttpClient Http { get; } = http;

    public SimplestackTarget Target { get; } = target;

    /// <summary>A path under the target; each segment is escaped.</summary>
    public string PathFor(params string[] segments)
    {
        var builder = new StringBuilder(Target.BasePath);
        foreach (var segment in segments)
        {
            ArgumentException.ThrowIfNullOrEmpty(segment);
            builder.Append('/').Append(Uri.EscapeDataString(segment));
        }

        return builder.ToString();
    }

    public HttpRequestMessage NewRequest(HttpMethod method, string path, HttpContent? content = null)
    {
        // The gateway's routes are absolute paths; a base address with a path prefix is kept.
        var relative = Http.BaseAddress is { } baseAddress && baseAddress.AbsolutePath.Length > 1
            ? baseAddress.AbsolutePath.TrimEnd('/') + path
            : path;
        var request = new HttpRequestMessage(method, new Uri(relative, UriKind.Relative)) { Content = content };
        if (Target.HypervisorToken is { } token)
        {
            request.Headers.TryAddWithoutValidation(SimplestackTarget.HypervisorTokenHeader, token);
        }

        if (!string.IsNullOrEmpty(Target.ApiKey))
        {
            request.Headers.TryAddWithoutValidation(SimplestackTarget.ApiKeyHeader, Target.ApiKey);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    public async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
        => await SendJsonAsync<T>(HttpMethod.Get, path, body: null, cancellationToken);

    public async Task<T> SendJsonAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = NewRequest(method, path, body is null ? null : JsonContent(body));
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        return await ReadJsonAsync<T>(response, method, path, cancellationToken);
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        var value = await response.Content.ReadFromJsonAsync<T>(SimplestackJson.Options, cancellationToken);
        return value ?? throw new SimplestackApiException(
            response.StatusCode, "InvalidResponse", $"The gateway answered {method} {path} with an empty body.", null, method.Method, path);
    }

    public async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = NewRequest(method, path, body is null ? null : JsonContent(body));
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    /// <summary>Sends a request; an error answer throws (its body read and the response disposed).</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var response = await Http.SendAsync(request, completion, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            string? body = null;
            try
            {
                body = await response.Content.ReadAsStringAsync(cancellationToken);
            }
            catch (HttpRequestException)
            {
                // The status says enough.
            }

            throw SimplestackApiException.FromResponse(response.StatusCode, body, request.Method.Method, request.RequestUri?.OriginalString, RetryAfter(response));
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    public static HttpContent JsonContent(object body)
    {
        var json = JsonSerializer.Serialize(body, body.GetType(), SimplestackJson.Options);
        return new StringContent(json, Encoding.UTF8, "application/json");
    }
}
