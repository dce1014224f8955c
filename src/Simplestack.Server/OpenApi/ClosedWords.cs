using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Simplestack.Core;
using Simplestack.Server.Endpoints;
using Simplestack.Server.Errors;
using Simplestack.Server.Observability;
using Simplestack.Server.Requests;

namespace Simplestack.Server.OpenApi;

/// <summary>
/// Gives the document's schemas what the generator cannot see through the wire's JSON converters,
/// and the closed sets of words of bodies and answers as enums, so generated clients get types
/// instead of free strings:
/// <list type="bullet">
/// <item>enums (<see cref="GuestState"/>) are strings, written by <c>JsonStringEnumConverter</c>;</item>
/// <item>timestamps (<see cref="DateTimeOffset"/>) are <c>date-time</c> strings (<c>UtcDateTimeOffsetConverter</c>);</item>
/// <item>each string field of <see cref="Words"/> takes one of its words, read from the code that
/// reads or writes it, never a second list kept by hand.</item>
/// </list>
/// Fields whose words come from a hypervisor (a snapshot's or a storage's state, a disk's bus) stay open strings.
/// </summary>
internal sealed class ClosedWordsTransformer : IOpenApiSchemaTransformer
{
    /// <summary>The closed string fields: (type, JSON name) and their words. A list's items or a map's values take the words.</summary>
    private static readonly Dictionary<(Type Type, string Property), IReadOnlyList<string>> Words = new()
    {
        [(typeof(PowerRequest), "state")] = PowerRequest.States,
        [(typeof(ActionResult), "action")] = [.. PowerRequest.States, "reboot"],
        [(typeof(Guest), "applied")] = [Applied.Live, Applied.NextBoot],
        [(typeof(ErrorResponse), "error")] = [.. Enum.GetNames<ErrorKind>(), ErrorResponse.InternalError, ErrorResponse.MethodNotAllowed],
        [(typeof(DriverInfo), "capabilities")] = [.. Capability.All.Select(c => c.Name)],
        [(typeof(HealthStatus), "status")] = [ReadinessWords.Ok],
        [(typeof(ReadinessReport), "status")] = ReadinessWords.Report,
        [(typeof(DriverReadiness), "status")] = ReadinessWords.Driver,
        [(typeof(TargetReadiness), "status")] = ReadinessWords.Target,
        // XenServer's VIF locking modes, which the original API passed through and drivers map to.
        [(typeof(NetworkInterface), "locking_mode")] = NicLockingModes.All,
        [(typeof(NicUpdateBody), "locking_mode")] = NicLockingModes.All,
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        var nullable = Nullable.GetUnderlyingType(type) is not null;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        }
        else if (type == typeof(DateTimeOffset))
        {
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Format = "date-time";
        }

        if (context.JsonPropertyInfo is { } property
            && Words.TryGetValue((property.DeclaringType, property.Name), out var words))
        {
            var target = schema.Type switch
            {
                { } t when t.HasFlag(JsonSchemaType.Array) => schema.Items as OpenApiSchema,
                { } t when t.HasFlag(JsonSchemaType.Object) => schema.AdditionalProperties as OpenApiSchema,
                _ => schema,
            };
            if (target is null || target.Type?.HasFlag(JsonSchemaType.String) != true)
            {
                throw new InvalidOperationException($"{property.DeclaringType.Name}.{property.Name} is not a string field, a list of strings or a map to strings.");
            }

            target.Enum = [.. words.Select(word => (JsonNode)JsonValue.Create(word))];
        }

        return Task.CompletedTask;
    }
}
