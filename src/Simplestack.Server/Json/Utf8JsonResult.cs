namespace Simplestack.Server.Json;

/// <summary>
/// A 200 answer of JSON already serialised to UTF-8 (the cached guest lists of <see cref="ListBodies"/>),
/// written as it is. <c>TypedResults.Bytes</c> would do the same through the file-result machinery
/// (range and precondition handling, its own logging), which a JSON body never needs.
/// </summary>
public sealed class Utf8JsonResult(ReadOnlyMemory<byte> body) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public const string JsonContentType = "application/json";

    /// <summary>
    /// Large bodies go out in pieces of this size, each flushed: the response pipe then holds at
    /// most its limit (64 KiB by default) per connection instead of a copy of the whole body (a
    /// 1,000-guest list is ~220 KB; 64 clients would pin ~14 MB of buffers for copies of it).
    /// </summary>
    public const int ChunkBytes = 32 * 1024;

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => JsonContentType;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = body.Length;
        // No token: Kestrel completes writes to an aborted connection without error.
        var writer = response.BodyWriter;
        for (var offset = 0; offset < body.Length; offset += ChunkBytes)
        {
            var result = await writer.WriteAsync(body.Slice(offset, Math.Min(ChunkBytes, body.Length - offset)));
            if (result.IsCanceled || result.IsCompleted)
            {
                return; // the client has gone
            }
        }
    }
}
