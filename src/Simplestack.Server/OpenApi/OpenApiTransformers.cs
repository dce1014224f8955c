using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Simplestack.Server.OpenApi;

/// <summary>
/// The document's title, description and tag descriptions, and one relative server, <c>/</c>: the
/// document generated at build time and the one served at run time must be equal (a test compares
/// them), and a gateway behind a proxy does not know its public address anyway. No licence: the
/// repository declares none.
/// </summary>
internal sealed class DocumentInfoTransformer : IOpenApiDocumentTransformer
{
    /// <summary>Every tag's description. A route with a tag missing here fails the document's generation.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Health"] = "Liveness and readiness of the gateway, for orchestrators and load balancers.",
        ["Drivers"] = "The hypervisor drivers this gateway serves and the capabilities of each.",
        ["Pool"] = "The pool a target belongs to: memory, software versions, master host.",
        ["Images"] = "Base volumes guests can be created from (the volumes of image pools).",
        ["Sizes"] = "Instance types (CPUs, memory, disk) from the gateway's configuration.",
        ["Hosts"] = "The hosts of a target.",
        ["Storages"] = "Storage pools of a target, and importing an exported guest into one.",
        ["Guests"] = "Guests (virtual machines and containers): list, create, import, update, clone, export, delete.",
        ["Power"] = "Start, stop, force_stop, pause, resume and reboot a guest.",
        ["Disks"] = "A guest's disks: add, resize, rename, detach.",
        ["Media"] = "A guest's CD-ROM drive: insert or eject an ISO.",
        ["Network interfaces"] = "A guest's network interfaces: add, change network, model or rate limit, remove.",
        ["Consoles"] = "A guest's serial or graphical (VNC) console over a WebSocket, and tickets that open it from a browser.",
        ["Tags"] = "Free-form tags on a guest.",
        ["Snapshots"] = "A guest's snapshots: take, list, revert to, delete.",
        ["Networks"] = "Networks of a target: list, create (optionally on a VLAN), delete.",
        ["Volumes"] = "Volumes of a storage pool: list, create, delete.",
        ["Events"] = "Server-Sent Events of the guests of a target, whoever changed them; resumable with Last-Event-ID.",
        ["Staging agent"] = "The staging agent's routes: probe and create hosts and VLAN networks on the gateway's configured local target.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Simplestack",
            Version = "v1",
            Description =
                "A stateless HTTP gateway to many hypervisors. Every hypervisor operation is addressed as "
                + "/{hypervisor}/{host}/...; credentials travel in the x-simplestack-hypervisor-token header "
                + "(base64 of user:password). Errors answer {\"error\": \"<Kind>\", \"message\": \"...\", \"status\": N}.",
        };
        document.Servers = [new OpenApiServer { Url = "/", Description = "The gateway that serves this document." }];
        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            tag.Description = TagDescriptions.TryGetValue(tag.Name ?? string.Empty, out var description)
                ? description
                : throw new InvalidOperationException($"The tag '{tag.Name}' has no description in {nameof(DocumentInfoTransformer)}.");
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Writes <see cref="RequestBodyMetadata"/> into each operation's request body, its JSON schema
/// named in <c>components/schemas</c> (<c>GuestCreate</c> for <c>GuestCreateRequest</c>), so
/// generated clients get a named type rather than one per operation.
/// </summary>
internal sealed class RequestBodyTransformer : IOpenApiOperationTransformer
{
    /// <summary>Names that the type's name, less <c>Request</c> or <c>Body</c>, would leave unclear.</summary>
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["Power"] = "PowerChange",
        ["Media"] = "MediaChange",
        ["Clone"] = "GuestClone",
    };

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var bodies = context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestBodyMetadata>().ToList();
        if (bodies.Count == 0)
        {
            return;
        }

        var content = new Dictionary<string, OpenApiMediaType>();
        foreach (var body in bodies)
        {
            IOpenApiSchema schema = body.Type is null
                ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" }
                : await NamedSchemaAsync(body.Type, context, cancellationToken);
            content[body.ContentType] = new OpenApiMediaType { Schema = schema };
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = bodies.Any(b => b.Required),
            Description = string.Join(" ", bodies.Select(b => b.Description).Where(d => d is not null)) is { Length: > 0 } d ? d : null,
            Content = content,
        };
    }

    /// <summary>The component's name for a body type: its name less <c>Request</c> or <c>Body</c>.</summary>
    internal static string ComponentName(Type type)
    {
        var name = type.Name;
        foreach (var suffix in (string[])["Request", "Body"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length)
            {
                name = name[..^suffix.Length];
                break;
            }
        }

        return Renamed.GetValueOrDefault(name, name);
    }

    private static async Task<IOpenApiSchema> NamedSchemaAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var name = ComponentName(type);
        if (context.Document?.Components?.Schemas?.ContainsKey(name) != true)
        {
            var schema = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
            context.Document!.AddComponent(name, schema);
        }

        return new OpenApiSchemaReference(name, context.Document);
    }
}

/// <summary>The <c>Location</c> header of every 201 answer: the path of what was created.</summary>
internal sealed class LocationHeaderTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.Responses?.TryGetValue("201", out var created) == true && created is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["Location"] = new OpenApiHeader
            {
                Description = "The path of the created resource (/{hypervisor}/{host}/...).",
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
            };
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Documents <c>{hypervisor}</c> and <c>{host}</c> (which the target filter reads, not the handlers)
/// on every operation under <c>/{hypervisor}/{host}</c>, and <c>{hostname}</c> on the staging agent's
/// routes whose handler does not bind it. The hypervisor token is a security scheme (<see cref="SecurityTransformer"/>).
/// </summary>
internal sealed class TargetParametersTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var route = context.Description.RelativePath ?? string.Empty;
        operation.Parameters ??= [];
        if (route.StartsWith("{hypervisor}/{host}", StringComparison.Ordinal))
        {
            operation.Parameters.Insert(0, PathParameter("hypervisor", "test, kvm (alias qemu), lxc, xen, vmware or hyperv."));
            operation.Parameters.Insert(1, PathParameter(
                "host", "default (test), localhost, a host name, an IPv4 address or an [IPv6] address, with an optional :port."));
        }
        else if (route.StartsWith("host/{hostname}", StringComparison.Ordinal) && !operation.Parameters.Any(p => p.Name == "hostname"))
        {
            operation.Parameters.Insert(0, PathParameter("hostname", "The host's name (the domain's name on the agent's target)."));
        }

        foreach (var query in context.Description.ActionDescriptor.EndpointMetadata.OfType<QueryParameterMetadata>())
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = query.Name,
                In = ParameterLocation.Query,
                Description = query.Description,
                Schema = new OpenApiSchema { Type = query.IsNumber ? JsonSchemaType.Number : JsonSchemaType.String },
            });
        }

        foreach (var header in context.Description.ActionDescriptor.EndpointMetadata.OfType<HeaderParameterMetadata>())
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name,
                In = ParameterLocation.Header,
                Description = header.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        return Task.CompletedTask;
    }

    private static OpenApiParameter PathParameter(string name, string description) => new()
    {
        Name = name,
        In = ParameterLocation.Path,
        Required = true,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
    };
}

/// <summary>
/// The <c>text/event-stream</c> answer of long work (<see cref="FollowedAsStreamMetadata"/>): added to
/// the 200 response beside its JSON, or as a 200 of its own where the plain answer is a 201.
/// </summary>
internal sealed class FollowedAsStreamTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<FollowedAsStreamMetadata>().Any())
        {
            return Task.CompletedTask;
        }

        operation.Responses ??= [];
        if (!operation.Responses.TryGetValue("200", out var ok) || ok is not OpenApiResponse response)
        {
            response = new OpenApiResponse { Description = "OK" };
            operation.Responses["200"] = response;
        }

        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        response.Content["text/event-stream"] = new OpenApiMediaType
        {
            Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "With Accept: text/event-stream: 'progress' events ({\"percent\", \"phase\"}) and one final 'result' event "
                    + "({\"status\", \"location\", \"body\"}: what the plain request would have answered).",
            },
        };
        return Task.CompletedTask;
    }
}
