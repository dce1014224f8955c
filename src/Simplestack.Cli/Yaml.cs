using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Simplestack.Cli;

/// <summary>
/// JSON data written as block-style YAML for <c>--output yaml</c>. Strings that could read as
/// anything else (a number, a boolean, null, a date, text with <c>:</c> or <c>#</c>) are written
/// double-quoted with JSON's escapes, which YAML's double-quoted scalars share.
/// </summary>
internal static partial class Yaml
{
    private static readonly JsonSerializerOptions QuotedString = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    };

    public static string Write(JsonElement value)
    {
        var yaml = new StringBuilder();
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when value.EnumerateObject().Any():
                WriteMapping(yaml, value, 0, firstInline: false);
                break;
            case JsonValueKind.Array when value.GetArrayLength() > 0:
                WriteSequence(yaml, value, 0);
                break;
            default:
                yaml.Append(Scalar(value)).Append('\n');
                break;
        }

        return yaml.ToString();
    }

    private static void WriteMapping(StringBuilder yaml, JsonElement map, int indent, bool firstInline)
    {
        var first = true;
        foreach (var property in map.EnumerateObject())
        {
            if (!(first && firstInline))
            {
                yaml.Append(' ', indent * 2);
            }

            first = false;
            yaml.Append(Text(property.Name)).Append(':');
            WriteValue(yaml, property.Value, indent);
        }
    }

    private static void WriteSequence(StringBuilder yaml, JsonElement list, int indent)
    {
        foreach (var item in list.EnumerateArray())
        {
            yaml.Append(' ', indent * 2).Append('-');
            if (item.ValueKind == JsonValueKind.Object && item.EnumerateObject().Any())
            {
                yaml.Append(' ');
                WriteMapping(yaml, item, indent + 1, firstInline: true);
            }
            else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() > 0)
            {
                // A list in a list: JSON's own text, which is YAML's flow style.
                yaml.Append(' ').Append(item.GetRawText().ReplaceLineEndings(" ")).Append('\n');
            }
            else
            {
                WriteValue(yaml, item, indent);
            }
        }
    }

    /// <summary>What follows <c>key:</c> or <c>-</c>: a nested block on the next lines, or a scalar on this one.</summary>
    private static void WriteValue(StringBuilder yaml, JsonElement value, int indent)
    {
        if (value.ValueKind == JsonValueKind.Object && value.EnumerateObject().Any())
        {
            yaml.Append('\n');
            WriteMapping(yaml, value, indent + 1, firstInline: false);
        }
        else if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0)
        {
            yaml.Append('\n');
            WriteSequence(yaml, value, indent + 1);
        }
        else
        {
            yaml.Append(' ').Append(Scalar(value)).Append('\n');
        }
    }

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Text(value.GetString()!),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Object => "{}",
        JsonValueKind.Array => "[]",
        _ => "null",
    };

    private static string Text(string text)
        => PlainText().IsMatch(text) && !Reserved.Contains(text)
            ? text
            : JsonSerializer.Serialize(text, QuotedString);

    /// <summary>Safe unquoted: starts with a letter, <c>_</c> or <c>/</c>, then only these and digits, <c>.</c>, <c>-</c>, <c>@</c>, <c>+</c>.</summary>
    [GeneratedRegex(@"^[A-Za-z_/][A-Za-z0-9_./@+-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainText();
}
