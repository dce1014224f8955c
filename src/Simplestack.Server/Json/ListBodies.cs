using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Simplestack.Core;

namespace Simplestack.Server.Json;

/// <summary>
/// JSON bodies of guest lists, serialised once per list instance and kept only as long as the
/// instance lives (a weak table: when the inventory replaces its list, the old bytes go with it).
/// Their gzip and br forms are made the first time a client asks for them and kept alongside.
/// </summary>
public sealed class ListBodies(IOptions<JsonOptions> json, IOptions<CompressionOptions> compression)
{
    private readonly ConditionalWeakTable<IReadOnlyList<Guest>, JsonBody> _bodies = [];
    private readonly JsonSerializerOptions _options = json.Value.SerializerOptions;

    /// <summary>How these bodies are compressed (null: never).</summary>
    public BodyCompression? Compression { get; } = compression.Value.Enabled ? new BodyCompression(compression.Value.MinimumBytes) : null;

    public JsonBody For(IReadOnlyList<Guest> guests)
        => _bodies.GetValue(guests, list => new JsonBody(JsonSerializer.SerializeToUtf8Bytes(list, _options), keepEncodings: true));

    /// <summary>A list made for one request (a filtered one): serialised the same way, not kept.</summary>
    public JsonBody Once(IReadOnlyList<Guest> guests) => new(JsonSerializer.SerializeToUtf8Bytes(guests, _options), keepEncodings: false);

    /// <summary>The answer for a list body.</summary>
    public Utf8JsonResult Result(JsonBody body) => new(body, Compression);
}

/// <summary>The content codings the gateway writes.</summary>
public enum ContentCoding
{
    Identity,
    Gzip,
    Brotli,
}

/// <summary>
/// A JSON body serialised beforehand, and its compressed forms: kept when the body is (a cached
/// list, compressed once at the optimal level), else made for the one request (fastest level).
/// </summary>
public sealed class JsonBody(byte[] json, bool keepEncodings)
{
    private byte[]? _gzip;
    private byte[]? _brotli;

    public byte[] Json { get; } = json;

    public byte[] Encoded(ContentCoding coding)
    {
        switch (coding)
        {
            case ContentCoding.Gzip when keepEncodings:
                return Volatile.Read(ref _gzip) ?? Interlocked.CompareExchange(ref _gzip, Compress(coding, CompressionLevel.Optimal), null) ?? _gzip;
            case ContentCoding.Brotli when keepEncodings:
                return Volatile.Read(ref _brotli) ?? Interlocked.CompareExchange(ref _brotli, Compress(coding, CompressionLevel.Optimal), null) ?? _brotli;
            case ContentCoding.Gzip or ContentCoding.Brotli:
                return Compress(coding, CompressionLevel.Fastest);
            default:
                return Json;
        }
    }

    private byte[] Compress(ContentCoding coding, CompressionLevel level)
    {
        using var buffer = new MemoryStream(Json.Length / 4);
        using (Stream compressor = coding == ContentCoding.Brotli
                   ? new BrotliStream(buffer, level, leaveOpen: true)
                   : new GZipStream(buffer, level, leaveOpen: true))
        {
            compressor.Write(Json);
        }

        return buffer.ToArray();
    }
}
