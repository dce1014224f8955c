using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Simplestack.Core;
using Simplestack.Server.OpenApi;

namespace Simplestack.Server.Requests;

/// <summary>
/// <c>PUT .../network_interfaces/{id}</c> as documented: <c>ratelimit</c> is bits per second, or
/// <c>false</c> to remove the limit; <c>locking_mode</c>, <c>ipv4_allowed</c>, <c>ipv6_allowed</c>
/// and <c>active</c> as the original took them. A field that is a number or <c>false</c> has no one
/// .NET type, so this body binds itself (read by hand from the JSON, through the same reader and
/// size limit as <see cref="JsonBody{T}"/>) and documents itself as this record.
/// </summary>
public sealed record NicUpdateBody(
    string? Network = null,
    long? Ratelimit = null,
    string? Model = null,
    string? LockingMode = null,
    IReadOnlyList<string>? Ipv4Allowed = null,
    IReadOnlyList<string>? Ipv6Allowed = null,
    bool? Active = null) : IEndpointParameterMetadataProvider
{
    /// <summary><c>"ratelimit": false</c>: remove the limit.</summary>
    [JsonIgnore]
    public bool RemoveRatelimit { get; init; }

    public NicUpdateRequest ToRequest() => new(Network, Ratelimit, RemoveRatelimit, Model)
    {
        LockingMode = LockingMode,
        Ipv4Allowed = Ipv4Allowed,
        Ipv6Allowed = Ipv6Allowed,
        Active = Active,
    };

    public static async ValueTask<NicUpdateBody?> BindAsync(HttpContext context)
    {
        using var document = await RequestBody.ReadJsonDocumentAsync(context);
        return Read(document.RootElement);
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
        => OpenApiMetadataExtensions.AddJsonBody(builder, typeof(NicUpdateBody), required: true);

    /// <summary>
    /// Reads <c>{"network"?, "model"?, "ratelimit"?, "locking_mode"?, "ipv4_allowed"?, "ipv6_allowed"?, "active"?}</c>:
    /// <c>ratelimit</c> is bits per second (a positive whole number) or <c>false</c> to remove the
    /// limit. The result has passed <see cref="NicUpdateRequest.Validate"/>.
    /// </summary>
    public static NicUpdateBody Read(JsonElement body)
    {
        JsonFields.Object(body);
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

        var read = new NicUpdateBody(
            JsonFields.String(body, "network"),
            rate,
            JsonFields.String(body, "model"),
            JsonFields.String(body, "locking_mode"),
            JsonFields.Strings(body, "ipv4_allowed"),
            JsonFields.Strings(body, "ipv6_allowed"),
            JsonFields.Bool(body, "active")) { RemoveRatelimit = remove };
        read.ToRequest().Validate();
        return read;
    }
}
