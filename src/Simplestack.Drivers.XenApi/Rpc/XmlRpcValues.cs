using System.Xml;
using System.Xml.Linq;

namespace Simplestack.Drivers.XenApi.Rpc;

/// <summary>
/// Reads a task's <c>result</c>, which xapi writes as XML-RPC text whatever protocol the caller
/// speaks (<c>&lt;value&gt;&lt;array&gt;&lt;data&gt;&lt;value&gt;OpaqueRef:…</c> for an import).
/// The original stripped the tags with string surgery; this parses them.
/// </summary>
internal static class XmlRpcValues
{
    /// <summary>Every string value in <paramref name="text"/>, in document order; a bare string is itself.</summary>
    public static IReadOnlyList<string> Strings(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        if (!text.TrimStart().StartsWith('<'))
        {
            return [text.Trim()];
        }

        XElement root;
        try
        {
            root = XElement.Parse(text);
        }
        catch (XmlException)
        {
            return [];
        }

        // A <value> holding text (no <string> wrapper) is a string in XML-RPC, as is a <string>.
        return [.. root.DescendantsAndSelf()
            .Where(e => (e.Name == "value" && !e.HasElements) || e.Name == "string")
            .Select(e => e.Value.Trim())
            .Where(v => v.Length > 0)];
    }
}
