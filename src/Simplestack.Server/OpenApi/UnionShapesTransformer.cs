using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Simplestack.Core;
using Simplestack.Server.Requests;

namespace Simplestack.Server.OpenApi;

/// <summary>
/// The fields of the bodies that bind themselves and take two shapes (the original's): the record
/// that documents such a body types them loosely (<c>JsonElement</c>), and this gives each its
/// <c>oneOf</c>, so a generated client sees both shapes.
/// </summary>
internal sealed class UnionShapesTransformer : IOpenApiSchemaTransformer
{
    private static readonly Dictionary<(Type Type, string Property), Func<OpenApiSchema>> Shapes = new()
    {
        [(typeof(GuestUpdateBody), "cpus")] = () => OneOf(
            "vCPUs: a count (at boot, and the most the guest may have), or each on its own.",
            Integer("vCPUs at boot and at most.", 1, FieldRules.MaxCpus),
            Object(
                ("vcpus_at_startup", Integer("vCPUs at boot.", 1, FieldRules.MaxCpus)),
                ("vcpus_max", Integer("The most vCPUs the guest may have.", 1, FieldRules.MaxCpus)))),
        [(typeof(GuestUpdateBody), "memory")] = () => OneOf(
            "Memory in MiB: one size for every limit, or the limits each on its own (static_min ≤ target ≤ static_max).",
            Integer("MiB.", 1, FieldRules.MaxMemoryMiB),
            Object(
                ("memory_static_min", Integer("MiB.", 1, FieldRules.MaxMemoryMiB)),
                ("memory_static_max", Integer("MiB.", 1, FieldRules.MaxMemoryMiB)),
                ("memory_target", Integer("MiB the guest runs with.", 1, FieldRules.MaxMemoryMiB)))),
        [(typeof(GuestUpdateBody), "paravirtualized")] = () => OneOf(
            "true: a paravirtualized boot with the driver's kernel arguments; false: fully virtualized; a string: paravirtualized with these kernel arguments.",
            new OpenApiSchema { Type = JsonSchemaType.Boolean },
            new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1 }),
        [(typeof(GuestUpdateBody), "vcpu_settings")] = () => Object(
            ("weight", WholeNumberOrDigits("Relative CPU share.", 1, VcpuSettings.MaxWeight)),
            ("cap", WholeNumberOrDigits("Ceiling in percent of one CPU; 0: none.", 0, FieldRules.MaxCpus * 100))),
        [(typeof(NicUpdateBody), "ratelimit")] = () => OneOf(
            "Bits per second, or false to remove the limit.",
            Integer("Bits per second.", 1, long.MaxValue),
            new OpenApiSchema { Type = JsonSchemaType.Boolean, Enum = [JsonValue.Create(false)] }),
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is { } property && Shapes.TryGetValue((property.DeclaringType, property.Name), out var shape))
        {
            var replacement = shape();
            schema.Type = replacement.Type;
            schema.Format = null;
            schema.Description = replacement.Description;
            schema.OneOf = replacement.OneOf;
            schema.Properties = replacement.Properties;
            schema.AdditionalProperties = replacement.AdditionalProperties;
            schema.AdditionalPropertiesAllowed = replacement.AdditionalPropertiesAllowed;
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema OneOf(string description, params IOpenApiSchema[] shapes)
        => new() { Description = description, OneOf = [.. shapes] };

    private static OpenApiSchema Integer(string description, long minimum, long maximum) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int64",
        Description = description,
        Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static OpenApiSchema WholeNumberOrDigits(string description, long minimum, long maximum)
        => OneOf(description, Integer(description, minimum, maximum), new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9]+$" });

    private static OpenApiSchema Object(params (string Name, IOpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema),
        AdditionalPropertiesAllowed = false,
    };
}
