using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Json;
using Simplestack.Server.Logging;

namespace Simplestack.Server.Errors;

/// <summary>Writes <see cref="ErrorResponse"/> bodies as <c>application/json</c>.</summary>
public static class ErrorWriter
{
    /// <summary>Answers <paramref name="kind"/> with its status from <see cref="ErrorMapping"/>.</summary>
    public static Task WriteAsync(HttpContext context, ErrorKind kind, string message)
        => WriteAsync(context, new ErrorResponse(kind.ToString(), message, ErrorMapping.StatusOf(kind)));

    public static async Task WriteAsync(HttpContext context, ErrorResponse error)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        // The exception handler cleared the headers the request observability middleware had set.
        if (!response.HasStarted && context.TraceIdentifier is { Length: > 0 } id)
        {
            response.Headers[RequestIds.Header] = id;
        }

        response.ContentType = "application/json; charset=utf-8";
        var options = context.RequestServices.GetService<IOptions<JsonOptions>>()?.Value.SerializerOptions
                      ?? JsonDefaults.Create();
        await JsonSerializer.SerializeAsync(response.Body, error, options, context.RequestAborted);
    }
}
