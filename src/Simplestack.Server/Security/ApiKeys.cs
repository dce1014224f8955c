using System.Security.Cryptography;
using System.Text;

namespace Simplestack.Server.Security;

/// <summary>
/// The configured API keys, held as SHA-256 digests only. A presented key is hashed and compared
/// with every configured digest in constant time (no early exit, so the time taken does not tell
/// which digest, or how much of one, matched). Keys are meant to be long random strings (at least
/// 32 random bytes), for which one SHA-256 is the right hash: a slow password hash protects
/// guessable secrets, not random ones.
/// </summary>
public sealed class ApiKeys
{
    public const string HashPrefix = "sha256:";

    private readonly (string Name, byte[] Digest)[] _keys;

    private ApiKeys((string Name, byte[] Digest)[] keys) => _keys = keys;

    public static ApiKeys None { get; } = new([]);

    public bool Enabled => _keys.Length > 0;

    public int Count => _keys.Length;

    /// <summary>Reads the configured entries; throws <see cref="FormatException"/> naming the entry (never echoing its value).</summary>
    public static ApiKeys From(IEnumerable<ApiKeyEntry> entries)
    {
        List<(string, byte[])> keys = [];
        var index = 0;
        foreach (var entry in entries)
        {
            var name = string.IsNullOrWhiteSpace(entry.Name) ? $"key{index}" : entry.Name.Trim();
            if (!TryParseDigest(entry.Hash, out var digest))
            {
                throw new FormatException(
                    $"Simplestack:Security:ApiKeys:{index}:Hash ({name}) must be 'sha256:' and the 64 hex digits of the SHA-256 of the key, "
                    + "not the key itself: compute it with printf %s \"$KEY\" | sha256sum.");
            }

            keys.Add((name, digest));
            index++;
        }

        return new ApiKeys([.. keys]);
    }

    /// <summary>The hash to configure for <paramref name="key"/> (<c>sha256:hex</c>).</summary>
    public static string HashOf(string key) => HashPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The name of the key that matches <paramref name="presented"/>, or null. Constant time in the key's content.</summary>
    public string? Match(string presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(presented);
        try
        {
            SHA256.HashData(bytes, digest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        string? matched = null;
        foreach (var (name, expected) in _keys)
        {
            // Every digest is compared, whatever matched before.
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                matched = name;
            }
        }

        return matched;
    }

    private static bool TryParseDigest(string? value, out byte[] digest)
    {
        digest = [];
        var hex = value?.Trim() ?? string.Empty;
        if (hex.StartsWith(HashPrefix, StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[HashPrefix.Length..];
        }

        if (hex.Length != SHA256.HashSizeInBytes * 2 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        digest = Convert.FromHexString(hex);
        return true;
    }
}
