using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Simplestack.Core;

namespace Simplestack.Server.Tests.Http;

/// <summary>gzip and br of large JSON per Accept-Encoding; small bodies and archives go as they are.</summary>
public class CompressionTests(GatewayFactory factory) : HttpTestBase(factory)
{
    private async Task<HttpResponseMessage> GetAsync(string url, string? acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (acceptEncoding is not null)
        {
            request.Headers.AcceptEncoding.ParseAdd(acceptEncoding);
        }

        return await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
    }

    private static async Task<string> DecodedAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        Stream decoded = response.Content.Headers.ContentEncoding.SingleOrDefault() switch
        {
            "gzip" => new GZipStream(body, CompressionMode.Decompress),
            "br" => new BrotliStream(body, CompressionMode.Decompress),
            null => body,
            var other => throw new InvalidOperationException($"unexpected encoding {other}"),
        };
        await using (decoded)
        {
            using var reader = new StreamReader(decoded);
            return await reader.ReadToEndAsync(Ct);
        }
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task A_large_list_is_compressed_and_decodes_to_the_same_json(string encoding)
    {
        var prefix = UniqueName("big");
        for (var i = 0; i < 12; i++)
        {
            await CreateGuestAsync($"{prefix}-{i}");
        }

        var plainResponse = await GetAsync($"{Base}/guests", acceptEncoding: null);
        Assert.Empty(plainResponse.Content.Headers.ContentEncoding);
        var plain = await DecodedAsync(plainResponse);
        Assert.True(plain.Length > 2048, $"the list is only {plain.Length} bytes");

        var compressed = await GetAsync($"{Base}/guests", encoding);
        await compressed.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal([encoding], compressed.Content.Headers.ContentEncoding);
        Assert.Equal("application/json", compressed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Accept-Encoding", compressed.Headers.Vary);
        Assert.Contains("Accept-Encoding", plainResponse.Headers.Vary);
        Assert.True(compressed.Content.Headers.ContentLength < plain.Length);
        Assert.Equal(plain, await DecodedAsync(compressed));

        // The filtered list goes the same way.
        var filtered = await GetAsync($"{Base}/guests?name={prefix}-*", encoding);
        Assert.Equal([encoding], filtered.Content.Headers.ContentEncoding);
        Assert.Equal(12, (await DecodedAsync(filtered)).Split("\"id\":").Length - 1);
    }

    [Fact]
    public async Task A_one_guest_list_is_not_compressed()
    {
        var response = await GetAsync($"{Base}/guests?name=test", "gzip, br");
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Empty(response.Headers.Vary);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Single(System.Text.Json.JsonSerializer.Deserialize<List<Guest>>(body, GatewayFactory.Json)!);
    }

    [Fact]
    public async Task A_single_guest_and_an_error_are_not_compressed()
    {
        var guest = await GetAsync($"{Base}/guests/test", "gzip, br");
        await guest.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Empty(guest.Content.Headers.ContentEncoding);
        var missing = await GetAsync($"{Base}/guests/no-such-guest", "gzip");
        Assert.Empty(missing.Content.Headers.ContentEncoding);
        await missing.ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
    }

    [Fact]
    public async Task An_export_archive_is_never_compressed()
    {
        var guest = await CreateGuestAsync();
        var export = await GetAsync($"{Base}/guests/{guest.Id}/export", "gzip, br");
        await export.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("application/x-tar", export.Content.Headers.ContentType?.MediaType);
        Assert.Empty(export.Content.Headers.ContentEncoding);
        var archive = await export.Content.ReadAsByteArrayAsync(Ct);
        Assert.True(archive.Length > 0);
    }
}

/// <summary>With <c>Simplestack:Compression:Enabled=false</c> nothing is compressed.</summary>
public class CompressionOffTests(CompressionOffTests.OffFactory factory) : IClassFixture<CompressionOffTests.OffFactory>
{
    public sealed class OffFactory : GatewayFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(
                new Dictionary<string, string?> { ["Simplestack:Compression:Enabled"] = "false" }));
        }
    }

    [Fact]
    public async Task Nothing_is_compressed()
    {
        using var client = factory.CreateClient();
        for (var i = 0; i < 12; i++)
        {
            var name = $"off-{Guid.NewGuid():N}"[..16];
            await (await client.PostJsonAsync("/test/default/guests", $$"""{"name": "{{name}}", "memory": 128}""")).ShouldBeAsync(HttpStatusCode.Created);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/test/default/guests");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.True(response.Content.Headers.ContentLength > 1024);
        Assert.Empty(response.Content.Headers.ContentEncoding);
    }
}
