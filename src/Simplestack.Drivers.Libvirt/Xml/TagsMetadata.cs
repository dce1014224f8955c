using System.Xml.Linq;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>
/// The guest's tags, kept in the domain's <c>&lt;metadata&gt;</c> as one element of our own
/// namespace: <c>&lt;tags xmlns="…"&gt;&lt;tag&gt;a&lt;/tag&gt;…&lt;/tags&gt;</c>.
/// </summary>
public static class TagsMetadata
{
    public const string NamespaceUri = "https://simplestack.dev/xmlns/tags/1";
    public const string Prefix = "simplestack";

    /// <summary>
    /// The element for <c>virDomainSetMetadata(VIR_DOMAIN_METADATA_ELEMENT, xml, Prefix, NamespaceUri)</c>.
    /// Keeps the order, removes duplicates.
    /// </summary>
    public static string Build(IEnumerable<string> tags) => XmlSupport.Write(BuildElement(tags, withPrefix: false));

    internal static XElement BuildElement(IEnumerable<string> tags, bool withPrefix)
    {
        ArgumentNullException.ThrowIfNull(tags);
        XNamespace ns = NamespaceUri;
        var element = new XElement(ns + "tags");
        if (withPrefix)
        {
            element.Add(new XAttribute(XNamespace.Xmlns + Prefix, NamespaceUri));
        }

        foreach (var tag in tags.Distinct(StringComparer.Ordinal))
        {
            ArgumentNullException.ThrowIfNull(tag, nameof(tags));
            element.Add(new XElement(ns + "tag", tag));
        }

        return element;
    }

    /// <summary>The tags of a metadata element as returned by <c>virDomainGetMetadata</c>; null or empty gives none.</summary>
    public static IReadOnlyList<string> Parse(string? elementXml)
    {
        if (string.IsNullOrWhiteSpace(elementXml))
        {
            return [];
        }

        var root = XmlSupport.Load(elementXml, null);
        return FromElement(root);
    }

    internal static IReadOnlyList<string> FromElement(XElement? tagsElement)
    {
        if (tagsElement is null)
        {
            return [];
        }

        // Tolerant of a prefix-less or foreign-namespace copy: what matters is the local name.
        return tagsElement.Elements()
            .Where(e => e.Name.LocalName == "tag")
            .Select(e => e.Value)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Our tags element inside a domain's <c>&lt;metadata&gt;</c>, if any.</summary>
    internal static XElement? FindIn(XElement? metadata) =>
        metadata?.Element(XName.Get("tags", NamespaceUri));
}
