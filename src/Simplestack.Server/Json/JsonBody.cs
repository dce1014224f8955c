using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Errors;
using Simplestack.Server.Hosting;

namespace Simplestack.Server.Json;

/// <summary>
/// Reads JSON request bodies without requiring a Content-Type (curl <c>-d</c> sends
/// form-urlencoded, the original Ruby client mislabels its streams), over any number of lines,
/// within the configured size limit.
/// </summary>
public static class JsonBody
{
    /// <summary>Reads a required body into <typeparamref name="T"/> (400 when empty or invalid, 413 when too large).</summary>
    public static async Task<T> ReadAsync<T>(HttpContext context)
        where T : class
    {
        var bytes = await ReadBytesAsync(context);
        if (IsBlank(bytes.Span))
        {
            throw new InvalidArgumentException("A JSON body is required.");
        }

        return Deserialize<T>(context, bytes);
    }

    /// <summary>Reads an optional body: null when the body is empty.</summary>
    public static async Task<T?> ReadOptionalAsync<T>(HttpContext context)
        where T : class
    {
        var bytes = await ReadBytesAsync(context);
        return IsBlank(bytes.Span) ? null : Deserialize<T>(context, bytes);
    }

    /// <summary>Reads a required body as a JSON document (400 when empty or not JSON).</summary>
    public static async Task<JsonDocument> ReadDocumentAsync(HttpContext context)
    {
        var bytes = await ReadBytesAsync(context);
        if (IsBlank(bytes.Span))
        {
            throw new InvalidArgumentException("A JSON body is required.");
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

    /// <summary>Deserialises one JSON value, mapping every JSON failure to 400 with its path.</summary>
    public static T Deserialize<T>(JsonSerializerOptions options, ReadOnlySpan<byte> bytes)
        where T : class
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(WithoutBom(bytes), options);
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException(ErrorClassifier.DescribeJsonError(e));
        }

        return value ?? throw new InvalidArgumentException("The request body must be a JSON object, not null.");
    }

    /// <summary>Reads the whole body (through <see cref="HttpRequest.BodyReader"/>) up to the JSON size limit.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadBytesAsync(HttpContext context)
    {
        var limit = context.RequestServices.GetRequiredService<IOptions<SimplestackOptions>>().Value.MaxJsonBodyBytes;
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
        var limit = context.RequestServices.GetRequiredService<IOptions<SimplestackOptions>>().Value.MaxJsonBodyBytes;
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
            feature.MaxRequestBodySize = context.RequestServices.GetRequiredService<IOptions<SimplestackOptions>>().Value.MaxImportBodyBytes;
        }
    }

    /// <summary>The body as a stream that reads from the same pipe as <see cref="PeekKindAsync"/>.</summary>
    public static Stream OpenStream(HttpContext context) => context.Request.BodyReader.AsStream(leaveOpen: true);

    private static T Deserialize<T>(HttpContext context, ReadOnlyMemory<byte> bytes)
        where T : class
        => Deserialize<T>(context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions, bytes.Span);

    private static ReadOnlySpan<byte> WithoutBom(ReadOnlySpan<byte> bytes)
        => bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes;

    private static bool IsBlank(ReadOnlySpan<byte> bytes)
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

    private static SimplestackException TooLarge(long limit)
        => new(ErrorKind.PayloadTooLarge, $"The request body is larger than the limit of {limit} bytes.");
}
