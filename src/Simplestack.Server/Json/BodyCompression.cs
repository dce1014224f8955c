using Microsoft.Extensions.Primitives;

namespace Simplestack.Server.Json;

/// <summary>
/// Which coding a request's <c>Accept-Encoding</c> asks for, for a body of a given length: br, then
/// gzip, for bodies of at least <see cref="MinimumBytes"/>; identity otherwise. Quality values are
/// honoured (<c>q=0</c> refuses a coding; <c>*</c> stands for the codings not named).
/// </summary>
public sealed class BodyCompression(int minimumBytes)
{
    public int MinimumBytes { get; } = minimumBytes;

    public ContentCoding Choose(StringValues acceptEncoding, int length)
    {
        if (length < MinimumBytes || StringValues.IsNullOrEmpty(acceptEncoding))
        {
            return ContentCoding.Identity;
        }

        double? brotli = null, gzip = null, any = null;
        foreach (var header in acceptEncoding)
        {
            foreach (var part in (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var (name, quality) = Parse(part);
                if (name.Equals("br", StringComparison.OrdinalIgnoreCase))
                {
                    brotli = quality;
                }
                else if (name.Equals("gzip", StringComparison.OrdinalIgnoreCase) || name.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
                {
                    gzip = quality;
                }
                else if (name == "*")
                {
                    any = quality;
                }
            }
        }

        var br = brotli ?? any ?? 0;
        var gz = gzip ?? any ?? 0;
        if (br > 0 && br >= gz)
        {
            return ContentCoding.Brotli;
        }

        return gz > 0 ? ContentCoding.Gzip : ContentCoding.Identity;
    }

    public static string Word(ContentCoding coding) => coding == ContentCoding.Brotli ? "br" : "gzip";

    private static (string Name, double Quality) Parse(string part)
    {
        var semicolon = part.IndexOf(';', StringComparison.Ordinal);
        if (semicolon < 0)
        {
            return (part, 1);
        }

        var name = part[..semicolon].Trim();
        var parameter = part[(semicolon + 1)..].Trim();
        if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(parameter.AsSpan(2), System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var quality))
        {
            return (name, Math.Clamp(quality, 0, 1));
        }

        return (name, 0); // an unreadable quality: not accepted
    }
}
