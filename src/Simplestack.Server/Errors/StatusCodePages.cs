using Microsoft.AspNetCore.Http;

namespace Simplestack.Server.Errors;

/// <summary>
/// JSON bodies for answers left with a status and nothing else (no route matched, 405, a framework
/// 4xx such as an AllowedHosts refusal). The request middleware calls these after the rest of the
/// pipeline, rather than <c>UseStatusCodePages</c>, which would add a middleware layer (and a
/// feature object) to every request.
/// </summary>
public static class StatusCodePages
{
    /// <summary>Whether an answer still needs a JSON error body: an error status, nothing written, no content set.</summary>
    public static bool IsNeeded(HttpResponse response)
        => response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType);

    /// <summary>Writes the JSON error body of an answer that has a status and nothing else.</summary>
    public static async Task WriteAsync(HttpContext http)
    {
        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var status = http.Response.StatusCode;
        await ErrorWriter.WriteAsync(http, new ErrorResponse(ErrorMapping.WordOf(status), MessageFor(http, status), status));
    }

    private static string MessageFor(HttpContext http, int status) => status switch
    {
        StatusCodes.Status404NotFound => $"No route matches {http.Request.Method} {http.Request.Path}.",
        StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} is not allowed on {http.Request.Path}; allowed: {http.Response.Headers.Allow}.",
        StatusCodes.Status401Unauthorized => "Unauthorized.",
        StatusCodes.Status403Forbidden => "Forbidden.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        >= StatusCodes.Status500InternalServerError => ErrorClassifier.UnexpectedMessage,
        _ => $"The request failed with status {status}.",
    };
}
