using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Simplestack.Server.Errors;

namespace Simplestack.Server.Work;

/// <summary>
/// What the plain request would have answered (status, <c>Location</c>, JSON body), carried by a
/// followed request's <c>result</c> event.
/// </summary>
internal sealed record WorkResult(
    int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Location,
    JsonNode? Body)
{
    /// <summary>The answer of a handler's result: its status, Location and value, serialised as the plain answer is.</summary>
    public static WorkResult Of(IResult result, HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        var location = result switch
        {
            Created created => created.Location,
            _ when result.GetType().IsGenericType && result.GetType().GetGenericTypeDefinition() == typeof(Created<>)
                => (string?)result.GetType().GetProperty(nameof(Created.Location))?.GetValue(result),
            _ => null,
        };
        var body = result is IValueHttpResult { Value: { } value }
            ? JsonSerializer.SerializeToNode(value, options.GetTypeInfo(value.GetType()))
            : null;
        return new WorkResult(status, location, body);
    }

    /// <summary>The error answer the plain request would have had for <paramref name="error"/>.</summary>
    public static WorkResult Of(Exception error, HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var response = ErrorClassifier.Classify(error);
        return new WorkResult(response.Status, null, JsonSerializer.SerializeToNode(response, options.GetTypeInfo(typeof(ErrorResponse))));
    }

    /// <summary>The event's data, written with the wire's settings (as the plain answer's body is).</summary>
    public string ToJson(JsonSerializerOptions options) => JsonSerializer.Serialize(this, options.GetTypeInfo(typeof(WorkResult)));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProgressEvent))]
internal sealed partial class WorkJson : JsonSerializerContext;
