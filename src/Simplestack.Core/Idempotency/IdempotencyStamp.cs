using System.Security.Cryptography;
using System.Text;

namespace Simplestack.Core.Idempotency;

/// <summary>
/// What is recorded on an object a keyed request made: a hash of the caller's <c>Idempotency-Key</c>
/// (the key itself never lands in the hypervisor: a caller may put anything in it) and a hash of
/// what the request asked, so that a retry with the same key but another body is told apart.
/// Both are 32 lower-case hex digits (128 bits of SHA-256).
/// </summary>
public sealed record IdempotencyStamp(string KeyHash, string BodyHash)
{
    /// <summary>The longest key accepted (API.md §9).</summary>
    public const int MaxKeyLength = 255;

    private const int HashHexLength = 32;

    /// <summary>The stamp of <paramref name="key"/> (already checked by <see cref="ValidateKey"/>) over the request's parts.</summary>
    public static IdempotencyStamp Of(string key, params ReadOnlySpan<string> requestParts)
    {
        using var body = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in requestParts)
        {
            // Each part framed by its length, so that ("ab","c") and ("a","bc") differ.
            body.AppendData(BitConverter.GetBytes(part.Length));
            body.AppendData(Encoding.UTF8.GetBytes(part));
        }

        return new IdempotencyStamp(HashKey(key), Hex(body.GetHashAndReset()));
    }

    /// <summary>The stamp of <paramref name="key"/> over a request body already hashed (SHA-256) by the caller.</summary>
    public static IdempotencyStamp OfHashedBody(string key, ReadOnlySpan<byte> bodySha256) => new(HashKey(key), Hex(bodySha256));

    /// <summary>The hash under which a key is recorded and looked up.</summary>
    public static string HashKey(string key) => Hex(SHA256.HashData(Encoding.ASCII.GetBytes(key)));

    /// <summary>A key is 1-255 printable ASCII characters (space to tilde); anything else is 400.</summary>
    public static void ValidateKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength || key.Any(c => c < ' ' || c > '~'))
        {
            throw new InvalidArgumentException($"Idempotency-Key must be 1 to {MaxKeyLength} printable ASCII characters.");
        }
    }

    /// <summary>The one-word form kept in hypervisor metadata: <c>KEYHASH.BODYHASH</c>.</summary>
    public override string ToString() => $"{KeyHash}.{BodyHash}";

    /// <summary>Reads <see cref="ToString"/>'s form back; null for anything else (metadata someone else wrote).</summary>
    public static IdempotencyStamp? Parse(string? text)
    {
        if (text is null || text.Length != (2 * HashHexLength) + 1 || text[HashHexLength] != '.')
        {
            return null;
        }

        var key = text[..HashHexLength];
        var body = text[(HashHexLength + 1)..];
        return IsHex(key) && IsHex(body) ? new IdempotencyStamp(key, body) : null;
    }

    private static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash[..(HashHexLength / 2)]);

    private static bool IsHex(string text) => text.All(char.IsAsciiHexDigitLower);
}
