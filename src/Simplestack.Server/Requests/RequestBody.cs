using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Errors;
using Simplestack.Server.Json;

namespace Simplestack.Server.Requests;

/// <summary>
/// Reads request bodies whatever their Content-Type says (curl <c>-d</c> sends form-urlencoded, the
/// original Ruby client mislabels its streams), JSON over any number of lines within the configured
/// size limit, and streams for imports. <see cref="JsonBody{T}"/> binds handlers' JSON bodies through it.
/// </summary>
public static class RequestBody
{
    public const string JsonRequired = "A JSON body is required.";

    /// <summary>Reads a required body as a JSON document (400 when empty or not JSON, 413 when too large).</summary>
    public static async Task<JsonDocument> ReadJsonDocumentAsync(HttpContext context)
    {
        var bytes = await ReadJsonBytesAsync(context);
        if (IsBlank(bytes.Span))
        {
            throw new InvalidArgumentException(JsonRequired);
        }

        try
        {
            var json = bytes[(bytes.Length - WithoutBom(bytes.Span).Length)..];
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = JsonDefaults.MaxDepth });
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException(ErrorClassifier.DescribeJsonError(e));
        }
    }

    /// <summary>Reads the whole body (through <see cref="HttpRequest.BodyReader"/>) up to the JSON size limit (413 past it).</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadJsonBytesAsync(HttpContext context)
    {
        var limit = Options(context).MaxJsonBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            var buffer = result.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw TooLarge(limit);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var bytes = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return bytes;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Looks at the start of the body without consuming it and tells create (JSON) from import
    /// (anything else). The body is still whole afterwards for <see cref="HttpRequest.BodyReader"/>.
    /// </summary>
    public static async Task<BodyKind> PeekKindAsync(HttpContext context)
    {
        var limit = Options(context).MaxJsonBodyBytes;
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            var buffer = result.Buffer;
            var kind = BodyKindDetector.Detect(buffer, result.IsCompleted);
            reader.AdvanceTo(buffer.Start, kind == BodyKind.Undecided ? buffer.End : buffer.Start);
            if (kind != BodyKind.Undecided)
            {
                return kind;
            }

            if (buffer.Length > limit)
            {
                // Megabytes of blanks: call it empty rather than buffer on.
                return BodyKind.Empty;
            }
        }
    }

    /// <summary>Lifts the server's body size limit for a streamed import (or applies the import limit).</summary>
    public static void AllowLargeBody(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = Options(context).MaxImportBodyBytes;
        }
    }

    /// <summary>The body as a stream that reads from the same pipe as <see cref="PeekKindAsync"/>.</summary>
    public static Stream OpenStream(HttpContext context) => context.Request.BodyReader.AsStream(leaveOpen: true);

    /// <summary>The bytes after a leading UTF-8 byte order mark.</summary>
    public static ReadOnlySpan<byte> WithoutBom(ReadOnlySpan<byte> bytes)
        => bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes;

    /// <summary>Whether a body is empty or only blanks (after a byte order mark).</summary>
    public static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in WithoutBom(bytes))
        {
            if (!BodyKindDetector.IsBlank(b))
            {
                return false;
            }
        }

        return true;
    }

    private static RequestBodyOptions Options(HttpContext context)
        => context.RequestServices.GetRequiredService<IOptions<RequestBodyOptions>>().Value;

    private static SimplestackException TooLarge(long limit)
        => new(ErrorKind.PayloadTooLarge, $"The request body is larger than the limit of {limit} bytes.");
}
