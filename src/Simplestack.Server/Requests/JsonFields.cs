using System.Text.Json;
using Simplestack.Core;

namespace Simplestack.Server.Requests;

/// <summary>
/// Reads one field of a JSON object for the bodies that bind themselves (a field that is a number
/// or an object, or a number or false, has no one .NET type): absent and null read as null; a
/// value of the wrong kind is a 400 naming the field.
/// </summary>
public static class JsonFields
{
    /// <summary>The object itself, or a 400: a body must be a JSON object.</summary>
    public static JsonElement Object(JsonElement value, string what = "The request body")
        => value.ValueKind == JsonValueKind.Object ? value : throw new InvalidArgumentException($"{what} must be a JSON object.");

    /// <summary>Refuses a key of the object <paramref name="field"/> that is none of <paramref name="keys"/> (400 naming it), rather than dropping it.</summary>
    public static void OnlyKeys(JsonElement value, string field, params string[] keys)
    {
        foreach (var property in value.EnumerateObject())
        {
            if (!keys.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new InvalidArgumentException($"{field}.{property.Name} is not a key of {field}: expected {string.Join(", ", keys)}.");
            }
        }
    }

    /// <summary>The field's value when present and not null.</summary>
    public static JsonElement? Find(JsonElement body, string property)
        => body.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string? String(JsonElement body, string property, string? field = null) => Find(body, property) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => Text(value, field ?? property),
        _ => throw new InvalidArgumentException($"{field ?? property} must be a string."),
    };

    /// <summary>A JSON string's text; one that is not valid UTF-16 (a lone surrogate escape) is a 400, not a crash.</summary>
    public static string Text(JsonElement value, string field)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new InvalidArgumentException($"{field} is not valid text (an unpaired surrogate).");
        }
    }

    public static bool? Bool(JsonElement body, string property, string? field = null) => Find(body, property) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new InvalidArgumentException($"{field ?? property} must be true or false."),
    };

    /// <summary>A whole number (<c>4</c>, or <c>4.0</c>); ranges are the request's own rules.</summary>
    public static long? Integer(JsonElement body, string property, string? field = null)
        => Find(body, property) is { } value ? WholeNumber(value, field ?? property) : null;

    /// <summary>A value that must be a whole number.</summary>
    public static long WholeNumber(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out var whole))
            {
                return whole;
            }

            if (value.TryGetDouble(out var number) && Math.Floor(number) == number && number is >= long.MinValue and <= long.MaxValue)
            {
                return (long)number;
            }
        }

        throw new InvalidArgumentException($"{field} must be a whole number.");
    }

    /// <summary>An <see cref="int"/> field: a whole number within int's range (else 400; the request's rules narrow it).</summary>
    public static int? Int(JsonElement body, string property, string? field = null)
        => Integer(body, property, field) is { } value ? Narrow(value, field ?? property) : null;

    public static int Narrow(long value, string field)
        => value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new InvalidArgumentException($"{field} is out of range.");

    public static double? Number(JsonElement body, string property, string? field = null) => Find(body, property) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetDouble(out var number) => number,
        _ => throw new InvalidArgumentException($"{field ?? property} must be a number."),
    };

    /// <summary>A list of strings (an empty list is a list).</summary>
    public static IReadOnlyList<string>? Strings(JsonElement body, string property, string? field = null)
    {
        if (Find(body, property) is not { } value)
        {
            return null;
        }

        var name = field ?? property;
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidArgumentException($"{name} must be a list of strings.");
        }

        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String ? Text(item, $"{name}[{items.Count}]") : throw new InvalidArgumentException($"{name}[{items.Count}] must be a string."));
        }

        return items;
    }
}
