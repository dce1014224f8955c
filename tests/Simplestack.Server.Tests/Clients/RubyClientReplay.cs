using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Simplestack.Server.Tests.Clients;

/// <summary>
/// The requests the original Ruby client (the <c>simple_stack</c> gem) sends, byte for byte where
/// it matters: every request carries <c>x-simplestack-version: 1.0</c>, <c>x-simplestack-token</c>,
/// the hypervisor token and <c>Content-Type: application/json</c> (a GET and a DELETE too); bodies
/// are <c>JSON.dump</c> of a hash; entities are addressed by <c>"#{collection}/#{item["id"]}"</c>;
/// a create follows the <c>Location</c> path; an import posts the file as a raw stream with its
/// length and, still, <c>Content-Type: application/json</c>. Any status of 400 or more is a failure
/// (the gem raises), which these methods assert with the answer's body in the message.
/// </summary>
public sealed class RubyClientReplay(HttpClient http, string hypervisorUrl, string user, string password)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary><c>"#{connection.url}/#{type}/#{host}"</c>, here a path on the test server.</summary>
    public string Url { get; } = hypervisorUrl;

    private string HypervisorToken => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    /// <summary><c>hypervisor.info</c>, <c>entity.info</c>: GET of the URL.</summary>
    public async Task<JsonElement> GetAsync(string url) => await SendAsync(HttpMethod.Get, url, body: null);

    /// <summary><c>collection.to_a</c>: the list, then one URL per item from its <c>id</c>.</summary>
    public async Task<IReadOnlyList<string>> ItemUrlsAsync(string collectionUrl)
    {
        var items = await GetAsync(collectionUrl);
        return [.. items.EnumerateArray().Select(item => $"{collectionUrl}/{item.GetProperty("id").GetString()}")];
    }

    /// <summary><c>collection.create(options)</c>: POST, then the entity at the answer's Location.</summary>
    public async Task<string> CreateAsync(string collectionUrl, object options)
    {
        using var response = await SendRawAsync(HttpMethod.Post, collectionUrl, Json(options));
        await EnsureSuccessAsync(response);
        return response.Headers.Location?.OriginalString ?? throw new Xunit.Sdk.XunitException($"POST {collectionUrl} answered no Location.");
    }

    /// <summary><c>hypervisor.post</c> (add_tag).</summary>
    public Task<JsonElement> PostAsync(string url, object body) => SendAsync(HttpMethod.Post, url, body);

    /// <summary><c>entity.update</c>, <c>power_state=</c>, <c>reboot</c>: PUT with a JSON body.</summary>
    public Task<JsonElement> PutAsync(string url, object body) => SendAsync(HttpMethod.Put, url, body);

    /// <summary><c>entity.delete</c>, <c>remove_tag</c>.</summary>
    public Task<JsonElement> DeleteAsync(string url) => SendAsync(HttpMethod.Delete, url, body: null);

    /// <summary><c>get_stream</c>: the export, copied chunk by chunk into a file.</summary>
    public async Task<HttpStatusCode> ExportAsync(string guestUrl, string file)
    {
        using var request = Request(HttpMethod.Get, $"{guestUrl}/export", content: null);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        await using (var output = File.Create(file))
        {
            await (await response.Content.ReadAsStreamAsync(Ct)).CopyToAsync(output, Ct);
        }

        return response.StatusCode;
    }

    /// <summary><c>hypervisor.import(from:)</c>: the file as the body, its size as the length, and the guest at Location.</summary>
    public async Task<string> ImportAsync(string file)
    {
        await using var stream = File.OpenRead(file);
        var content = new StreamContent(stream);
        content.Headers.ContentLength = stream.Length;
        using var response = await SendRawAsync(HttpMethod.Post, $"{Url}/guests", content);
        await EnsureSuccessAsync(response);
        // entity_url = "#{connection.url}/#{location without its leading slash}"
        var location = response.Headers.Location?.OriginalString ?? throw new Xunit.Sdk.XunitException("The import answered no Location.");
        return "/" + location.TrimStart('/').TrimEnd('/');
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string url, object? body)
    {
        using var response = await SendRawAsync(method, url, body is null ? null : Json(body));
        await EnsureSuccessAsync(response);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string url, HttpContent? content)
    {
        using var request = Request(method, url, content);
        return await http.SendAsync(request, Ct);
    }

    private HttpRequestMessage Request(HttpMethod method, string url, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, url) { Content = content ?? new ByteArrayContent([]) };
        request.Headers.Add("x-simplestack-version", "1.0");
        request.Headers.Add("x-simplestack-token", "TODO"); // the gem's Connection#token, verbatim
        request.Headers.Add("x-simplestack-hypervisor-token", HypervisorToken);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }

    private static ByteArrayContent Json(object body) => new(JsonSerializer.SerializeToUtf8Bytes(body));

    private static async Task EnsureSuccessAsync(HttpResponseMessage response)
    {
        if ((int)response.StatusCode >= 400)
        {
            throw new Xunit.Sdk.XunitException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        }
    }
}
