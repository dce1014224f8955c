using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;
using Simplestack.Core;
using Simplestack.Server.OpenApi;

namespace Simplestack.Server.Endpoints;

/// <summary>
/// A guest export streamed as <c>application/x-tar</c>, with <c>Content-Length</c> when the driver
/// knows it and a <c>Content-Disposition</c> file name.
/// </summary>
public sealed class ArchiveResult(GuestExport export) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => OpenApiMetadataExtensions.Tar;

    public GuestExport Export { get; } = export;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.ContentLength = Export.Length;
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(Export.FileName);
        response.Headers.ContentDisposition = disposition.ToString();
        await Export.WriteToAsync(response.Body, httpContext.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
        => builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Stream), [OpenApiMetadataExtensions.Tar]));
}
