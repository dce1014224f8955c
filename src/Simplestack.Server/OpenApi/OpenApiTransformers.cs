using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Simplestack.Server.OpenApi;

/// <summary>
/// The document's title and description, and no <c>servers</c>: the document generated at build
/// time and the one served at run time must be equal (a test compares them), and a gateway behind
/// a proxy does not know its public address anyway.
/// </summary>
internal sealed class DocumentInfoTransformer : IOpenApiDocumentTransformer
{
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
        document.Servers = [];
        return Task.CompletedTask;
    }
}

/// <summary>Writes <see cref="RequestBodyMetadata"/> into each operation's request body.</summary>
internal sealed class RequestBodyTransformer : IOpenApiOperationTransformer
{
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
                : await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
            content[body.ContentType] = new OpenApiMediaType { Schema = schema };
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = bodies.Any(b => b.Required),
            Description = string.Join(" ", bodies.Select(b => b.Description).Where(d => d is not null)) is { Length: > 0 } d ? d : null,
            Content = content,
        };
    }
}

/// <summary>
/// Documents <c>{hypervisor}</c>, <c>{host}</c> (which the target filter reads, not the handlers) and
/// the hypervisor token header on every operation under <c>/{hypervisor}/{host}</c>.
/// </summary>
internal sealed class TargetParametersTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var route = context.Description.RelativePath ?? string.Empty;
        if (!route.StartsWith("{hypervisor}/{host}", StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        operation.Parameters ??= [];
        operation.Parameters.Insert(0, new OpenApiParameter
        {
            Name = "hypervisor",
            In = ParameterLocation.Path,
            Required = true,
            Description = "test, kvm (alias qemu), lxc, xen, vmware or hyperv.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
        operation.Parameters.Insert(1, new OpenApiParameter
        {
            Name = "host",
            In = ParameterLocation.Path,
            Required = true,
            Description = "default (test), localhost, a host name, an IPv4 address or an [IPv6] address, with an optional :port.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = Targets.TokenParser.HeaderName,
            In = ParameterLocation.Header,
            Required = false,
            Description = "base64 of user:password (the password is everything after the first ':'). "
                          + "Required for remote targets, optional for the test hypervisor and local sockets.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
        return Task.CompletedTask;
    }
}
