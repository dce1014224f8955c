using System.Buffers;

namespace Simplestack.Server.Requests;

/// <summary>What a <c>POST .../guests</c> body is, judged by its first non-blank byte.</summary>
public enum BodyKind
{
    /// <summary>Only blanks were seen so far; more bytes are needed.</summary>
    Undecided,
    /// <summary>The body is empty or blank.</summary>
    Empty,
    /// <summary>The first non-blank byte is <c>{</c>: a JSON create request.</summary>
    Json,
    /// <summary>Anything else: a raw export archive to import.</summary>
    Stream,
}

/// <summary>
/// Decides create versus import by the body's first non-blank byte, never by Content-Type (the
/// original Ruby client labels its binary import stream <c>application/json</c>).
/// </summary>
public static class BodyKindDetector
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Looks at the bytes received so far; <paramref name="isComplete"/> says whether the body
    /// has ended. A leading UTF-8 byte order mark counts as blank.
    /// </summary>
    public static BodyKind Detect(ReadOnlySequence<byte> received, bool isComplete)
    {
        var reader = new SequenceReader<byte>(received);
        if (reader.IsNext(Utf8Bom, advancePast: true))
        {
            // Skipped.
        }
        else if (!isComplete && received.Length < Utf8Bom.Length && StartsLikeBom(received))
        {
            return BodyKind.Undecided;
        }

        while (reader.TryRead(out var b))
        {
            if (IsBlank(b))
            {
                continue;
            }

            return b == (byte)'{' ? BodyKind.Json : BodyKind.Stream;
        }

        return isComplete ? BodyKind.Empty : BodyKind.Undecided;
    }

    public static BodyKind Detect(ReadOnlySpan<byte> received, bool isComplete)
        => Detect(new ReadOnlySequence<byte>(received.ToArray()), isComplete);

    public static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static bool StartsLikeBom(ReadOnlySequence<byte> received)
    {
        var bytes = received.ToArray();
        return bytes.Length > 0 && Utf8Bom[..bytes.Length].SequenceEqual(bytes);
    }
}
