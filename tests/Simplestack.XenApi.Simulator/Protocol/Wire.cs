using System.Globalization;

namespace Simplestack.XenApi.Simulator.Protocol;

/// <summary>
/// Values on the wire, decoded from either format: string, long, double, bool, DateTime,
/// List&lt;object?&gt; and Dictionary&lt;string, object?&gt;. Callers send ints as numbers or, in
/// XML-RPC, as strings (xapi sends int64 as strings there), so readers accept both.
/// </summary>
internal static class Wire
{
    public const string NullRef = "OpaqueRef:NULL";
    private const string DateFormat = "yyyyMMdd'T'HH:mm:ss'Z'";

    public static DateTime ParseDateTime(string text) =>
        DateTime.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public static string FormatDateTime(DateTime value) =>
        value.ToUniversalTime().ToString(DateFormat, CultureInfo.InvariantCulture);

    public static string AsString(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        DateTime d => FormatDateTime(d),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new XenApiException("FIELD_TYPE_ERROR", "string"),
    };

    public static long AsLong(object? value) => value switch
    {
        long l => l,
        int i => i,
        double d when d == Math.Floor(d) => (long)d,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => throw new XenApiException("FIELD_TYPE_ERROR", "int"),
    };

    public static double AsDouble(object? value) => value switch
    {
        double d => d,
        long l => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new XenApiException("FIELD_TYPE_ERROR", "float"),
    };

    public static bool AsBool(object? value) => value switch
    {
        bool b => b,
        string s when s is "true" or "1" => true,
        string s when s is "false" or "0" => false,
        long l => l != 0,
        _ => throw new XenApiException("FIELD_TYPE_ERROR", "bool"),
    };

    public static List<object?> AsList(object? value) => value switch
    {
        List<object?> list => list,
        _ => throw new XenApiException("FIELD_TYPE_ERROR", "set"),
    };

    public static Dictionary<string, object?> AsMap(object? value) => value switch
    {
        Dictionary<string, object?> map => map,
        _ => throw new XenApiException("FIELD_TYPE_ERROR", "map"),
    };

    /// <summary>A deep copy, so records handed out or stored never share mutable parts.</summary>
    public static object? Copy(object? value) => value switch
    {
        List<object?> list => list.Select(Copy).ToList(),
        Dictionary<string, object?> map => map.ToDictionary(kv => kv.Key, kv => Copy(kv.Value), StringComparer.Ordinal),
        _ => value,
    };
}
