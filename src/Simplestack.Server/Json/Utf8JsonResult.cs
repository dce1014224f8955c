namespace Simplestack.Server.Json;

/// <summary>
/// A 200 answer of JSON already serialised to UTF-8 (the cached guest lists of <see cref="ListBodies"/>),
/// written as it is. <c>TypedResults.Bytes</c> would do the same through the file-result machinery
/// (range and precondition handling, its own logging), which a JSON body never needs.
/// </summary>
public sealed class Utf8JsonResult : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    private readonly ReadOnlyMemory<byte> _body;
    private readonly JsonBody? _source;
    private readonly BodyCompression? _compression;

    public Utf8JsonResult(ReadOnlyMemory<byte> body) => _body = body;

    /// <summary>A body that may go compressed (gzip, br) per the request's <c>Accept-Encoding</c>, when <paramref name="compression"/> is given.</summary>
    public Utf8JsonResult(JsonBody body, BodyCompression? compression)
    {
        ArgumentNullException.ThrowIfNull(body);
        _source = body;
        _body = body.Json;
        _compression = compression;
    }

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
        var body = _body;
        if (_compression is { } compression && body.Length >= compression.MinimumBytes)
        {
            // Large enough to compress: the answer depends on Accept-Encoding, whatever it is.
            response.Headers.Vary = Microsoft.Net.Http.Headers.HeaderNames.AcceptEncoding;
            var coding = compression.Choose(httpContext.Request.Headers.AcceptEncoding, body.Length);
            if (coding != ContentCoding.Identity)
            {
                body = _source!.Encoded(coding);
                response.Headers.ContentEncoding = BodyCompression.Word(coding);
            }
        }

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
