using System.IO.Compression;
using System.Text;
using Simplestack.Server.Json;

namespace Simplestack.Server.Tests.Unit;

public class BodyCompressionTests
{
    private static readonly BodyCompression Compression = new(1024);

    [Theory]
    [InlineData("gzip", ContentCoding.Gzip)]
    [InlineData("br", ContentCoding.Brotli)]
    [InlineData("gzip, deflate, br", ContentCoding.Brotli)]
    [InlineData("gzip;q=1.0, br;q=0.5", ContentCoding.Gzip)]
    [InlineData("br;q=0, gzip", ContentCoding.Gzip)]
    [InlineData("br;q=0, gzip;q=0", ContentCoding.Identity)]
    [InlineData("*", ContentCoding.Brotli)]
    [InlineData("*;q=0, gzip", ContentCoding.Gzip)]
    [InlineData("identity", ContentCoding.Identity)]
    [InlineData("deflate", ContentCoding.Identity)]
    [InlineData("GZIP", ContentCoding.Gzip)]
    [InlineData("gzip;q=abc", ContentCoding.Identity)]
    [InlineData("", ContentCoding.Identity)]
    [InlineData(",,;;q=", ContentCoding.Identity)]
    public void Chooses_by_accept_encoding(string header, ContentCoding expected)
        => Assert.Equal(expected, Compression.Choose(header, 4096));

    [Fact]
    public void Small_bodies_are_never_compressed() => Assert.Equal(ContentCoding.Identity, Compression.Choose("gzip, br", 1023));

    [Fact]
    public void A_kept_body_is_compressed_once_and_decodes_to_itself()
    {
        var json = Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Range(0, 200).Select(i => $$"""{"id":"{{i}}"}""")) + "]");
        var kept = new JsonBody(json, keepEncodings: true);
        Assert.Same(kept.Encoded(ContentCoding.Gzip), kept.Encoded(ContentCoding.Gzip));
        Assert.Same(kept.Encoded(ContentCoding.Brotli), kept.Encoded(ContentCoding.Brotli));
        Assert.Same(json, kept.Encoded(ContentCoding.Identity));

        using var gzip = new GZipStream(new MemoryStream(kept.Encoded(ContentCoding.Gzip)), CompressionMode.Decompress);
        using var gunzipped = new MemoryStream();
        gzip.CopyTo(gunzipped);
        Assert.Equal(json, gunzipped.ToArray());

        var once = new JsonBody(json, keepEncodings: false);
        using var brotli = new BrotliStream(new MemoryStream(once.Encoded(ContentCoding.Brotli)), CompressionMode.Decompress);
        using var unbrotli = new MemoryStream();
        brotli.CopyTo(unbrotli);
        Assert.Equal(json, unbrotli.ToArray());
    }
}
