using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Errors;
using Simplestack.Server.OpenApi;

namespace Simplestack.Server.Requests;

/// <summary>
/// A handler's JSON request body, declared once as a parameter (<c>JsonBody&lt;DiskCreateRequest&gt; body</c>).
/// Before the handler runs it is read whatever the Content-Type says (<see cref="RequestBody"/>;
/// 413 past the size limit), deserialised (400 naming the path of a malformed value) and checked
/// by the request's own rules (<see cref="RequestRules"/>). The same parameter documents the body
/// for OpenAPI: <c>application/json</c> with the schema of <typeparamref name="T"/>, and the 413.
/// A blank body is a 400 (<see cref="OptionalJsonBody{T}"/> accepts one). Routing never refuses a
/// request for its Content-Type (this is not <see cref="IAcceptsMetadata"/>).
/// </summary>
public sealed class JsonBody<T> : IEndpointParameterMetadataProvider
    where T : class
{
    private JsonBody(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<JsonBody<T>?> BindAsync(HttpContext context)
        => new JsonBody<T>((await ReadAsync(context, required: true))!);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
        => OpenApiMetadataExtensions.AddJsonBody(builder, typeof(T), required: true);

    /// <summary>Reads and checks a body; null only when it is blank and not <paramref name="required"/>.</summary>
    public static async Task<T?> ReadAsync(HttpContext context, bool required)
    {
        var bytes = await RequestBody.ReadJsonBytesAsync(context);
        if (RequestBody.IsBlank(bytes.Span))
        {
            return required ? throw new InvalidArgumentException(RequestBody.JsonRequired) : null;
        }

        var value = Deserialize(context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions, bytes.Span);
        RequestRules.Check(value);
        return value;
    }

    /// <summary>Deserialises one JSON value, mapping every JSON failure to 400 with its path.</summary>
    public static T Deserialize(JsonSerializerOptions options, ReadOnlySpan<byte> bytes)
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(RequestBody.WithoutBom(bytes), options);
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException(ErrorClassifier.DescribeJsonError(e));
        }

        return value ?? throw new InvalidArgumentException("The request body must be a JSON object, not null.");
    }
}

/// <summary>
/// A JSON request body that may be left out: as <see cref="JsonBody{T}"/>, except that an empty or
/// blank body binds a <see cref="Value"/> of null, and the document marks the body optional.
/// </summary>
public sealed class OptionalJsonBody<T> : IEndpointParameterMetadataProvider
    where T : class
{
    private static readonly OptionalJsonBody<T> Absent = new(null);

    private OptionalJsonBody(T? value) => Value = value;

    /// <summary>The body, or null when none was sent.</summary>
    public T? Value { get; }

    public static async ValueTask<OptionalJsonBody<T>?> BindAsync(HttpContext context)
        => await JsonBody<T>.ReadAsync(context, required: false) is { } value ? new OptionalJsonBody<T>(value) : Absent;

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
        => OpenApiMetadataExtensions.AddJsonBody(builder, typeof(T), required: false);
}
