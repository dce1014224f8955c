namespace Simplestack.Server.Json;

/// <summary>
/// A 200 answer of JSON already serialised to UTF-8 (the cached guest lists of <see cref="ListBodies"/>),
/// written as it is. <c>TypedResults.Bytes</c> would do the same through the file-result machinery
/// (range and precondition handling, its own logging), which a JSON body never needs.
/// </summary>
public sealed class Utf8JsonResult(ReadOnlyMemory<byte> body) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public const string JsonContentType = "application/json";

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => JsonContentType;

    public ReadOnlyMemory<byte> Body => body;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = body.Length;
        // No token: Kestrel completes writes to an aborted connection without error.
        await response.Body.WriteAsync(body);
    }
}
