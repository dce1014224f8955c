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

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex PathParameter();

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
        // Credentials are security schemes, not parameters: the one header parameter is the idempotency key.
        Assert.Equal(
            ["Idempotency-Key"],
            create.GetProperty("parameters").EnumerateArray().Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()));
        Assert.Contains(create.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("hypervisorToken", out _) && r.TryGetProperty("callerKey", out _));

        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("Guest", out var guest));
        Assert.True(guest.GetProperty("properties").TryGetProperty("tools_up_to_date", out _));
        Assert.True(schemas.TryGetProperty("ErrorResponse", out _));
        Assert.Equal(["STARTED", "STOPPED", "PAUSED"], schemas.GetProperty("GuestState").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Credentials_are_security_schemes_on_the_routes_that_read_them()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json", Ct));
        var schemes = document.RootElement.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal(("apiKey", "header", "x-simplestack-token"), Scheme(schemes.GetProperty("callerKey")));
        Assert.Equal(("apiKey", "header", "x-simplestack-hypervisor-token"), Scheme(schemes.GetProperty("hypervisorToken")));
        Assert.Equal("bearer", schemes.GetProperty("callerBearer").GetProperty("scheme").GetString());

        var paths = document.RootElement.GetProperty("paths");
        string[] Schemes(string path, string method) => [.. paths.GetProperty(path).GetProperty(method).GetProperty("security").EnumerateArray()
            .SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Distinct().Order()];
        Assert.Equal(["callerBearer", "callerKey", "hypervisorToken"], Schemes("/{hypervisor}/{host}/guests/{guestId}/power", "put"));
        Assert.Equal(["callerBearer", "callerKey"], Schemes("/host/{hostname}", "post"));
        Assert.Equal(["callerBearer", "callerKey"], Schemes("/readyz", "get"));
        Assert.Empty(Schemes("/healthz", "get"));

        static (string?, string?, string?) Scheme(JsonElement scheme)
            => (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Closed_sets_of_words_are_enums_and_timestamps_are_date_times()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json", Ct));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        string[] Enum(JsonElement schema) => [.. schema.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];

        var state = schemas.GetProperty("PowerChange").GetProperty("properties").GetProperty("state");
        Assert.Equal(["start", "stop", "force_stop", "pause", "resume"], Enum(state));
        Assert.Equal("string", state.GetProperty("type").GetString());
        Assert.Equal("string", schemas.GetProperty("GuestState").GetProperty("type").GetString());
        var created = schemas.GetProperty("Snapshot").GetProperty("properties").GetProperty("created");
        Assert.Equal(("string", "date-time"), (created.GetProperty("type").GetString(), created.GetProperty("format").GetString()));
        Assert.Contains("EntityNotFound", Enum(schemas.GetProperty("ErrorResponse").GetProperty("properties").GetProperty("error")));
        Assert.Contains("snapshots", Enum(schemas.GetProperty("DriverInfo").GetProperty("properties").GetProperty("capabilities").GetProperty("items")));
        Assert.Equal(["ready", "not_ready"], Enum(schemas.GetProperty("ReadinessReport").GetProperty("properties").GetProperty("status")));
    }

    [Fact]
    public async Task Bodies_are_named_201s_carry_Location_and_every_path_parameter_is_declared()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json", Ct));
        var root = document.RootElement;
        Assert.Equal("/", root.GetProperty("servers")[0].GetProperty("url").GetString());
        Assert.All(root.GetProperty("tags").EnumerateArray(), tag => Assert.False(string.IsNullOrWhiteSpace(tag.GetProperty("description").GetString())));

        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            var inTemplate = PathParameter().Matches(path.Name).Select(m => m.Groups[1].Value).Order().ToList();
            foreach (var operation in path.Value.EnumerateObject())
            {
                var label = $"{operation.Name} {path.Name}";
                var declared = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path").Select(p => p.GetProperty("name").GetString()).Order().ToList()
                    : [];
                Assert.True(inTemplate.SequenceEqual(declared), $"{label} declares path parameters [{string.Join(", ", declared)}]");
                if (operation.Value.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out var json))
                {
                    Assert.True(json.GetProperty("schema").TryGetProperty("$ref", out _), $"{label}: its JSON body is not named in components/schemas");
                }

                var responses = operation.Value.GetProperty("responses");
                if (responses.TryGetProperty("201", out var createdAnswer))
                {
                    Assert.True(createdAnswer.GetProperty("headers").TryGetProperty("Location", out _), $"{label}: 201 without Location");
                }

                if (responses.TryGetProperty("404", out var notFound))
                {
                    Assert.True(notFound.TryGetProperty("content", out _), $"{label}: 404 without its JSON body");
                }
            }
        }

        var schemas = root.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("GuestCreate", out _));
        Assert.True(schemas.TryGetProperty("GuestUpdate", out _));
        var readyz = root.GetProperty("paths").GetProperty("/readyz").GetProperty("get").GetProperty("responses");
        Assert.True(readyz.GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema").TryGetProperty("$ref", out _));
        Assert.True(readyz.TryGetProperty("503", out _));
    }

    [Fact]
    public async Task The_interactive_page_is_served()
    {
        var response = await Client.GetAsync("/scalar", Ct);
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
