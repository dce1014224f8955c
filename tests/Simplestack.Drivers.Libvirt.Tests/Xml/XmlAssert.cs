using System.Xml;
using System.Xml.Linq;
using Xunit;

namespace Simplestack.Drivers.Libvirt.Tests.Xml;

/// <summary>
/// Compares XML documents by meaning: comments, formatting whitespace, attribute order, quote
/// style and namespace prefixes do not count; names, namespaces, attribute values and text do.
/// </summary>
internal static class XmlAssert
{
    public static string Golden(string fileName) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", fileName));

    public static void Equivalent(string expectedXml, string actualXml) =>
        Equivalent(XElement.Parse(expectedXml, LoadOptions.PreserveWhitespace), XElement.Parse(actualXml, LoadOptions.PreserveWhitespace));

    public static void Equivalent(XElement expected, XElement actual)
    {
        var e = Normalize(expected);
        var a = Normalize(actual);
        if (!XNode.DeepEquals(e, a))
        {
            // Show both sides in the same canonical text so the difference reads as a diff.
            Assert.Equal(e.ToString(), a.ToString());
            Assert.Fail("The documents differ in a way their text does not show.");
        }
    }

    public static XElement Normalize(XElement element)
    {
        var copy = new XElement(element.Name);
        foreach (var attribute in element.Attributes()
                     .Where(a => !a.IsNamespaceDeclaration)
                     .OrderBy(a => a.Name.NamespaceName, StringComparer.Ordinal)
                     .ThenBy(a => a.Name.LocalName, StringComparer.Ordinal))
        {
            copy.Add(new XAttribute(attribute.Name, attribute.Value));
        }

        var hasElements = element.HasElements;
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XElement child:
                    copy.Add(Normalize(child));
                    break;
                case XText text when hasElements && string.IsNullOrWhiteSpace(text.Value):
                    break;
                case XText text:
                    copy.Add(new XText(text.Value));
                    break;
            }
        }

        return copy;
    }

    /// <summary>Parses as a strict XML reader would (no DTD): fails the test on malformed output.</summary>
    public static XElement WellFormed(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, CheckCharacters = true };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        return XDocument.Load(reader, LoadOptions.PreserveWhitespace).Root!;
    }
}
