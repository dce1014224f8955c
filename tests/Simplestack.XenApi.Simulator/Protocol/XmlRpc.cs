using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Simplestack.XenApi.Simulator.Protocol;

/// <summary>
/// XML-RPC as xapi speaks it: every answer is a struct with Status "Success" and Value, or Status
/// "Failure" and ErrorDescription [code, params...]. Strings go bare in &lt;value&gt;, ints as
/// strings (XML-RPC's i4 is 32-bit), dates as dateTime.iso8601.
/// </summary>
internal static class XmlRpc
{
    private static readonly XmlReaderSettings SafeReader = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    /// <summary>Null when the body is not a methodCall.</summary>
    public static RpcCall? Parse(Stream body)
    {
        try
        {
            using var reader = XmlReader.Create(body, SafeReader);
            var root = XDocument.Load(reader).Root;
            var method = root?.Element("methodName")?.Value.Trim();
            if (root is null || root.Name != "methodCall" || string.IsNullOrEmpty(method))
            {
                return null;
            }
            var parameters = root.Element("params")?.Elements("param")
                .Select(p => Decode(p.Element("value"))).ToList() ?? [];
            return new RpcCall(method, parameters);
        }
        catch (Exception e) when (e is XmlException or FormatException or XenApiException)
        {
            return null;
        }
    }

    public static string Success(object? result) =>
        Response("<member><name>Status</name><value>Success</value></member><member><name>Value</name>"
                 + Encode(result) + "</member>");

    public static string Failure(XenApiException error)
    {
        var description = new List<object?> { error.Code };
        description.AddRange(error.Parameters);
        return Response("<member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name>"
                        + Encode(description) + "</member>");
    }

    private static string Response(string members) =>
        "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>" + members
        + "</struct></value></param></params></methodResponse>";

    /// <summary>One value as xapi's Xmlrpc.to_string writes it; task results carry this text.</summary>
    public static string Encode(object? value)
    {
        var text = new StringBuilder();
        Append(text, value);
        return text.ToString();
    }

    private static void Append(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null: text.Append("<value></value>"); break;
            case string s: text.Append("<value>").Append(Escape(s)).Append("</value>"); break;
            case long or int: text.Append("<value>").Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append("</value>"); break;
            case double d: text.Append("<value><double>").Append(d.ToString("R", CultureInfo.InvariantCulture)).Append("</double></value>"); break;
            case bool b: text.Append("<value><boolean>").Append(b ? '1' : '0').Append("</boolean></value>"); break;
            case DateTime t: text.Append("<value><dateTime.iso8601>").Append(Wire.FormatDateTime(t)).Append("</dateTime.iso8601></value>"); break;
            case List<object?> list:
                text.Append("<value><array><data>");
                foreach (var item in list)
                {
                    Append(text, item);
                }
                text.Append("</data></array></value>");
                break;
            case Dictionary<string, object?> map:
                text.Append("<value><struct>");
                foreach (var (key, item) in map)
                {
                    text.Append("<member><name>").Append(Escape(key)).Append("</name>");
                    Append(text, item);
                    text.Append("</member>");
                }
                text.Append("</struct></value>");
                break;
            default: Append(text, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static string Escape(string s) => new XText(s).ToString();

    /// <summary>One value element, decoded to the wire types (see <see cref="Wire"/>).</summary>
    public static object? Decode(XElement? value)
    {
        if (value is null)
        {
            return null;
        }
        var typed = value.Elements().FirstOrDefault();
        if (typed is null)
        {
            return value.Value; // an untyped value is a string
        }
        return typed.Name.LocalName switch
        {
            "string" => typed.Value,
            "int" or "i4" or "i8" => long.Parse(typed.Value.Trim(), CultureInfo.InvariantCulture),
            "boolean" => typed.Value.Trim() == "1",
            "double" => double.Parse(typed.Value.Trim(), CultureInfo.InvariantCulture),
            "dateTime.iso8601" => Wire.ParseDateTime(typed.Value.Trim()),
            "base64" => typed.Value,
            "nil" => null,
            "array" => typed.Element("data")?.Elements("value").Select(Decode).ToList() ?? [],
            "struct" => typed.Elements("member").ToDictionary(
                m => m.Element("name")?.Value ?? "", m => Decode(m.Element("value")), StringComparer.Ordinal),
            _ => throw new FormatException("unknown XML-RPC type " + typed.Name.LocalName),
        };
    }
}
