using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Simplestack.Core;
using Simplestack.Server.OpenApi;

namespace Simplestack.Server.Requests;

/// <summary>
/// <c>PUT .../network_interfaces/{id}</c> as documented: <c>ratelimit</c> is bits per second, or
/// <c>false</c> to remove the limit. A field that is a number or <c>false</c> has no one .NET type,
/// so this body binds itself (read by hand from the JSON, through the same reader and size limit as
/// <see cref="JsonBody{T}"/>) and documents itself as this record.
/// </summary>
public sealed record NicUpdateBody(string? Network = null, long? Ratelimit = null, string? Model = null) : IEndpointParameterMetadataProvider
{
    /// <summary><c>"ratelimit": false</c>: remove the limit.</summary>
    [JsonIgnore]
    public bool RemoveRatelimit { get; init; }

    public NicUpdateRequest ToRequest() => new(Network, Ratelimit, RemoveRatelimit, Model);

    public static async ValueTask<NicUpdateBody?> BindAsync(HttpContext context)
    {
        using var document = await RequestBody.ReadJsonDocumentAsync(context);
        return Read(document.RootElement);
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
        => OpenApiMetadataExtensions.AddJsonBody(builder, typeof(NicUpdateBody), required: true);

    /// <summary>
    /// Reads <c>{"network"?, "model"?, "ratelimit"?}</c>: <c>ratelimit</c> is bits per second (a
    /// positive whole number) or <c>false</c> to remove the limit.
    /// </summary>
    public static NicUpdateBody Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidArgumentException("The request body must be a JSON object.");
        }

        var network = OptionalString(body, "network");
        var model = OptionalString(body, "model");
        FieldRules.NotBlankWhenGiven(network, "network");
        FieldRules.NotBlankWhenGiven(model, "model");

        long? rate = null;
        var remove = false;
        if (body.TryGetProperty("ratelimit", out var limit))
        {
            switch (limit.ValueKind)
            {
                case JsonValueKind.False:
                    remove = true;
                    break;
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.Number when limit.TryGetDouble(out var value) && double.IsFinite(value)
                                               && value > 0 && value <= long.MaxValue && Math.Floor(value) == value:
                    rate = (long)value;
                    break;
                default:
                    throw new InvalidArgumentException(
                        "ratelimit must be a positive whole number of bits per second, or false to remove the limit.");
            }
        }

        return new NicUpdateBody(network, rate, model) { RemoveRatelimit = remove };
    }

    private static string? OptionalString(JsonElement body, string property)
    {
        if (!body.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new InvalidArgumentException($"{property} must be a string.");
    }
}
