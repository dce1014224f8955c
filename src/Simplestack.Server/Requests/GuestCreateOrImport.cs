using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Simplestack.Core;
using Simplestack.Server.OpenApi;

namespace Simplestack.Server.Requests;

/// <summary>
/// The body of <c>POST .../guests</c>, decided by its first non-blank byte and never by its
/// Content-Type (the original Ruby client labels its binary import stream <c>application/json</c>):
/// <c>{</c> is a create request, read and checked as a <see cref="JsonBody{T}"/> is; anything else
/// is an export archive to import, left unread for the driver to stream (<see cref="RequestBody.OpenStream"/>).
/// </summary>
public sealed class GuestCreateOrImport : IEndpointParameterMetadataProvider
{
    private static readonly GuestCreateOrImport Import = new(null);

    private GuestCreateOrImport(GuestCreateRequest? create) => Create = create;

    /// <summary>The create request; null when the body is an archive to import.</summary>
    public GuestCreateRequest? Create { get; }

    public static async ValueTask<GuestCreateOrImport?> BindAsync(HttpContext context)
    {
        RequestBody.AllowLargeBody(context);
        return await RequestBody.PeekKindAsync(context) switch
        {
            BodyKind.Json => new GuestCreateOrImport(await JsonBody<GuestCreateRequest>.ReadAsync(context, required: true)),
            BodyKind.Stream => Import,
            _ => throw new InvalidArgumentException("A body is required: a JSON object to create a guest, or an export archive to import one."),
        };
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
    {
        OpenApiMetadataExtensions.AddJsonBody(
            builder,
            typeof(GuestCreateRequest),
            required: true,
            description: "JSON to create a guest (only name and memory are required), or an archive to import one.");
        OpenApiMetadataExtensions.AddArchiveBody(builder);
    }
}
