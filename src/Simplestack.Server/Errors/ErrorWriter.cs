using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Simplestack.Server.Errors;

/// <summary>Writes <see cref="ErrorResponse"/> bodies as <c>application/json</c>.</summary>
public static class ErrorWriter
{
    public static async Task WriteAsync(HttpContext context, ErrorResponse error)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        // The exception handler cleared the headers the request observability middleware had set.
        if (!response.HasStarted && context.TraceIdentifier is { Length: > 0 } id)
        {
            response.Headers[Observability.RequestObservabilityMiddleware.RequestIdHeader] = id;
        }

        response.ContentType = "application/json; charset=utf-8";
        var options = context.RequestServices.GetService<IOptions<JsonOptions>>()?.Value.SerializerOptions
                      ?? Json.JsonDefaults.Create();
        await JsonSerializer.SerializeAsync(response.Body, error, options, context.RequestAborted);
    }
}
