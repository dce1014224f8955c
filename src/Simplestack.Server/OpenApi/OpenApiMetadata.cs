using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Simplestack.Server.Errors;

namespace Simplestack.Server.OpenApi;

/// <summary>
/// A request body as the OpenAPI document describes it. Unlike <c>Accepts&lt;T&gt;()</c> this is not
/// <see cref="IAcceptsMetadata"/>, so routing never refuses a request for its Content-Type (bodies
/// are read whatever they are labelled: curl <c>-d</c> says form-urlencoded).
/// </summary>
public sealed record RequestBodyMetadata(Type? Type, string ContentType, bool Required, string? Description = null);

/// <summary>
/// Marks a route outside <c>/{hypervisor}/{host}</c> and the staging agent's routes that checks the
/// caller's API key (when keys are configured), so the document gives it its security and its 401.
/// </summary>
public sealed class CallerKeyMetadata
{
    public static readonly CallerKeyMetadata Instance = new();

    private CallerKeyMetadata()
    {
    }
}

/// <summary>
/// A query parameter a handler reads itself (only when the request has a query, to keep its
/// common path free of query parsing), declared for the OpenAPI document.
/// </summary>
public sealed record QueryParameterMetadata(string Name, string Description, bool IsNumber = false);

/// <summary>
/// Marks long work that answers <c>Accept: text/event-stream</c> with a stream (API.md §9): the
/// document adds that content type to the 200 answer, beside any JSON one (ApiExplorer keeps one
/// response type per status).
/// </summary>
public sealed class FollowedAsStreamMetadata
{
    public static readonly FollowedAsStreamMetadata Instance = new();

    private FollowedAsStreamMetadata()
    {
    }
}

/// <summary>A request header a handler reads itself, declared for the OpenAPI document.</summary>
public sealed record HeaderParameterMetadata(string Name, string Description);

public static class OpenApiMetadataExtensions
{
    public const string Json = "application/json";
    public const string Tar = "application/x-tar";

    /// <summary>Documents a JSON body of <paramref name="type"/>, and the 413 of a body past the size limit.</summary>
    public static void AddJsonBody(EndpointBuilder builder, Type type, bool required, string? description = null)
    {
        builder.Metadata.Add(new RequestBodyMetadata(type, Json, required, description));
        builder.Metadata.Add(ErrorMetadata(StatusCodes.Status413PayloadTooLarge));
    }

    /// <summary>Documents a raw archive body (API.md §5), and the 411 of a driver that needs its length.</summary>
    public static void AddArchiveBody(EndpointBuilder builder, string? description = null)
    {
        builder.Metadata.Add(new RequestBodyMetadata(null, Tar, true, description));
        builder.Metadata.Add(ErrorMetadata(StatusCodes.Status411LengthRequired));
    }

    /// <summary>Documents a raw archive body (API.md §5) on a route whose handler streams it.</summary>
    /// <summary>Declares a query parameter the handler reads from the request itself.</summary>
    public static RouteHandlerBuilder WithQueryParameter(this RouteHandlerBuilder builder, string name, string description, bool isNumber = false)
        => builder.WithMetadata(new QueryParameterMetadata(name, description, isNumber));

    public static RouteHandlerBuilder AcceptsArchive(this RouteHandlerBuilder builder, string? description = null)
    {
        builder.Add(endpoint => AddArchiveBody(endpoint, description));
        return builder;
    }

    /// <summary>
    /// Documents a creating POST run as long work (API.md §9): 201 with <typeparamref name="T"/>,
    /// the <c>Idempotency-Key</c> header and its 409 and 422, and the event stream a request
    /// accepting <c>text/event-stream</c> gets instead.
    /// </summary>
    public static RouteHandlerBuilder CreatesWithKey<T>(this RouteHandlerBuilder builder)
        => builder
            .Produces<T>(StatusCodes.Status201Created, Json)
            .FollowedAsStream()
            .WithMetadata(new HeaderParameterMetadata(
                "Idempotency-Key",
                "1-255 printable ASCII characters. A retry with the same key and request answers what the first made (201, same id) and makes nothing; "
                + "the same key with another request is 422; a retry while the first is at work is 409 OperationInProgress with Retry-After."))
            .ProducesError(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);

    /// <summary>
    /// Documents the answer of long work to <c>Accept: text/event-stream</c>: progress events and one
    /// result event with the status, Location and body the plain request would have answered.
    /// </summary>
    public static RouteHandlerBuilder FollowedAsStream(this RouteHandlerBuilder builder)
        => builder.WithMetadata(FollowedAsStreamMetadata.Instance);

    /// <summary>Documents error answers (<see cref="ErrorResponse"/>) with these statuses.</summary>
    public static TBuilder ProducesError<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(ErrorMetadata(status));
        }

        return builder;
    }

    private static ProducesResponseTypeMetadata ErrorMetadata(int status) => new(status, typeof(ErrorResponse), [Json]);
}
