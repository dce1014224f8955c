using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Simplestack.Server.Logging;

/// <summary>
/// The id that names a request in its answer (<c>X-Request-Id</c>) and in every line logged for it
/// (as <see cref="Microsoft.AspNetCore.Http.HttpContext.TraceIdentifier"/>).
/// </summary>
public static class RequestIds
{
    public const string Header = "X-Request-Id";

    // A new id is 32 lowercase hex digits (the shape of a W3C trace id): 64 random bits drawn once
    // per process, then a counter. Unique within the process and, with overwhelming likelihood,
    // across processes, without a call into the kernel's random source per request as Guid.NewGuid makes.
    private static readonly ulong ProcessPrefix = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private static long _counter = (long)(BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 1);

    /// <summary>An incoming id of 1-64 characters from <c>[A-Za-z0-9._:-]</c> is kept; anything else gets a new id.</summary>
    public static string FromIncoming(string? incoming)
        => incoming is { Length: > 0 and <= 64 } && incoming.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-')
            ? incoming
            : New();

    public static string New()
    {
        Span<byte> id = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(id, ProcessPrefix);
        BinaryPrimitives.WriteUInt64BigEndian(id[8..], (ulong)Interlocked.Increment(ref _counter));
        return Convert.ToHexStringLower(id);
    }
}
