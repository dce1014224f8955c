using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Simplestack.Server.Tests.Http;

public partial class OpenApiDocumentTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    private static string CheckedInDocument()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "docs", "openapi.json");
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "Directory.Build.props")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("docs/openapi.json was not found above the test binaries.");
    }

    [Fact]
    public async Task The_served_document_is_the_checked_in_docs_openapi_json()
    {
        var response = await Client.GetAsync("/openapi/v1.json", Ct);
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(
            Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>(),
            e => e.RoutePattern.RawText == "/openapi/{documentName}.json"); // no generator in a running gateway
        Assert.Equal(await File.ReadAllBytesAsync(CheckedInDocument(), Ct), await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task The_document_generated_from_the_code_equals_the_checked_in_one()
    {
        await using var live = Factory.WithWebHostBuilder(builder => builder.UseSetting("Simplestack:OpenApi:Live", "true"));
        using var client = live.CreateClient();
        Assert.Contains(
            live.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>(),
            e => e.RoutePattern.RawText == "/openapi/{documentName}.json"); // the generator's route, not the served file's
        var generated = await client.GetStringAsync("/openapi/v1.json", Ct);
        var checkedIn = await File.ReadAllTextAsync(CheckedInDocument(), Ct);
        Assert.True(
            Whitespace().Replace(generated, string.Empty) == Whitespace().Replace(checkedIn, string.Empty),
            "docs/openapi.json is stale: build src/Simplestack.Server (it regenerates the document) and commit it.");
    }

    [Fact]
    public async Task The_document_describes_every_route_with_its_shapes()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json", Ct));
        var paths = document.RootElement.GetProperty("paths");
        string[] expected =
        [
            "/{hypervisor}/{host}", "/{hypervisor}/{host}/hosts", "/{hypervisor}/{host}/hosts/{hostId}",
            "/{hypervisor}/{host}/storages", "/{hypervisor}/{host}/storages/{storageId}", "/{hypervisor}/{host}/storages/{storageId}/guests",
            "/{hypervisor}/{host}/guests", "/{hypervisor}/{host}/guests/{guestId}", "/{hypervisor}/{host}/guests/{guestId}/clone",
            "/{hypervisor}/{host}/guests/{guestId}/export", "/{hypervisor}/{host}/guests/{guestId}/power", "/{hypervisor}/{host}/guests/{guestId}/reboot",
            "/{hypervisor}/{host}/guests/{guestId}/disks", "/{hypervisor}/{host}/guests/{guestId}/disks/{diskId}",
            "/{hypervisor}/{host}/guests/{guestId}/media_device",
            "/{hypervisor}/{host}/guests/{guestId}/network_interfaces", "/{hypervisor}/{host}/guests/{guestId}/network_interfaces/{interfaceId}",
            "/{hypervisor}/{host}/guests/{guestId}/tags", "/{hypervisor}/{host}/guests/{guestId}/tags/{name}",
            "/{hypervisor}/{host}/guests/{guestId}/snapshots", "/{hypervisor}/{host}/guests/{guestId}/snapshots/{snapshotId}",
            "/{hypervisor}/{host}/guests/{guestId}/snapshots/{snapshotId}/revert",
            "/{hypervisor}/{host}/networks", "/{hypervisor}/{host}/networks/{networkId}",
            "/healthz",
        ];
        foreach (var path in expected)
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }

        var create = paths.GetProperty("/{hypervisor}/{host}/guests").GetProperty("post");
        var content = create.GetProperty("requestBody").GetProperty("content");
        Assert.True(content.TryGetProperty("application/json", out _));
        Assert.True(content.TryGetProperty("application/x-tar", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("201", out _));
        Assert.Contains(create.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "x-simplestack-hypervisor-token");

        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("Guest", out var guest));
        Assert.True(guest.GetProperty("properties").TryGetProperty("tools_up_to_date", out _));
        Assert.True(schemas.TryGetProperty("ErrorResponse", out _));
        Assert.Equal(["STARTED", "STOPPED", "PAUSED"], schemas.GetProperty("GuestState").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task The_interactive_page_is_served()
    {
        var response = await Client.GetAsync("/scalar", Ct);
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
