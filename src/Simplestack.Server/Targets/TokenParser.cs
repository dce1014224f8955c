using System.Text;
using Simplestack.Core;

namespace Simplestack.Server.Targets;

public enum TokenStatus
{
    /// <summary>No token was sent (or it was empty).</summary>
    Missing,
    /// <summary>The token is not base64, not UTF-8, or has no ':'.</summary>
    Malformed,
    Valid,
}

/// <summary>
/// Parses <c>x-simplestack-hypervisor-token</c>: base64 of <c>user:password</c>, where the password
/// is everything after the first ':' (so it may itself contain ':'). Error messages never repeat
/// the token or any part of it.
/// </summary>
public static class TokenParser
{
    public const string HeaderName = "x-simplestack-hypervisor-token";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static TokenStatus TryParse(string? token, out HypervisorCredentials? credentials, out string error)
    {
        credentials = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(token))
        {
            return TokenStatus.Missing;
        }

        var trimmed = token.Trim();
        var buffer = new byte[(trimmed.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(trimmed, buffer, out var length))
        {
            error = $"The {HeaderName} header is not valid base64 (expected base64 of 'user:password').";
            return TokenStatus.Malformed;
        }

        string decoded;
        try
        {
            decoded = StrictUtf8.GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            error = $"The {HeaderName} header does not decode to UTF-8 text (expected base64 of 'user:password').";
            return TokenStatus.Malformed;
        }
        finally
        {
            Array.Clear(buffer);
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            error = $"The {HeaderName} header decodes to no 'user:password' pair (there is no ':').";
            return TokenStatus.Malformed;
        }

        credentials = new HypervisorCredentials(decoded[..colon], decoded[(colon + 1)..]);
        return TokenStatus.Valid;
    }
}
