using System.Net;
using System.Net.Http.Headers;

namespace Simplestack.Client.Transfer;

/// <summary>
/// A request body read from a stream in chunks as the connection takes them (never buffered
/// whole), reporting the bytes sent so far. Its length is known when the source can seek.
/// </summary>
internal sealed class ProgressStreamContent : HttpContent
{
    private const int ChunkSize = 256 * 1024;
    private readonly Stream _source;
    private readonly IProgress<long>? _progress;
    private readonly long? _length;

    public ProgressStreamContent(Stream source, IProgress<long>? progress, string mediaType = "application/x-tar")
    {
        _source = source;
        _progress = progress;
        _length = source.CanSeek ? source.Length - source.Position : null;
        Headers.ContentType = new MediaTypeHeaderValue(mediaType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        => await StreamCopy.CopyAsync(_source, stream, _progress, ChunkSize, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = _length ?? 0;
        return _length is not null;
    }
}

internal static class StreamCopy
{
    /// <summary>Copies in chunks, reporting the running total after each; returns the total.</summary>
    public static async Task<long> CopyAsync(Stream source, Stream destination, IProgress<long>? progress, int chunkSize, CancellationToken cancellationToken)
    {
        var buffer = new byte[chunkSize];
        long total = 0;
        progress?.Report(0);
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            total += read;
            progress?.Report(total);
        }

        await destination.FlushAsync(cancellationToken);
        return total;
    }
}

/// <summary>
/// An export being downloaded: the archive's stream (read it to the end, then dispose this), its
/// length when the gateway sent <c>Content-Length</c>, and the file name it suggested.
/// </summary>
public sealed class GuestExportStream : IAsyncDisposable, IDisposable
{
    private readonly HttpResponseMessage _response;

    internal GuestExportStream(HttpResponseMessage response, Stream content)
    {
        _response = response;
        Content = content;
        Length = response.Content.Headers.ContentLength;
        FileName = response.Content.Headers.ContentDisposition?.FileNameStar
            ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"');
    }

    public Stream Content { get; }

    public long? Length { get; }

    public string? FileName { get; }

    /// <summary>Copies the archive to <paramref name="destination"/>, reporting bytes so far; returns the total.</summary>
    public Task<long> CopyToAsync(Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
        => StreamCopy.CopyAsync(Content, destination, progress, 256 * 1024, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        _response.Dispose();
    }

    public void Dispose()
    {
        Content.Dispose();
        _response.Dispose();
    }
}
