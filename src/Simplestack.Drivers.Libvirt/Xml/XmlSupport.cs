using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>
/// Loading and writing of libvirt XML documents. Every value reaches the text through
/// <see cref="XmlWriter"/>, which escapes it; nothing is ever concatenated into markup.
/// </summary>
internal static class XmlSupport
{
    private static readonly XmlWriterSettings IndentedSettings = new()
    {
        OmitXmlDeclaration = true,
        Indent = true,
        IndentChars = "  ",
        NewLineChars = "\n",
        // Entitize keeps a carriage return or a newline inside an attribute value exactly as given.
        NewLineHandling = NewLineHandling.Entitize,
        CheckCharacters = true,
        ConformanceLevel = ConformanceLevel.Document,
    };

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreWhitespace = false,
        IgnoreComments = false,
        MaxCharactersFromEntities = 0,
    };

    /// <summary>Parses libvirt XML; malformed input becomes a <see cref="FormatException"/>.</summary>
    public static XElement Load(string xml, string? expectedRoot)
    {
        ArgumentNullException.ThrowIfNull(xml);
        XDocument document;
        try
        {
            using var stringReader = new StringReader(xml);
            using var reader = XmlReader.Create(stringReader, ReaderSettings);
            document = XDocument.Load(reader, LoadOptions.PreserveWhitespace);
        }
        catch (XmlException e)
        {
            throw new FormatException($"The {expectedRoot ?? "metadata"} XML is malformed: {e.Message}", e);
        }

        var root = document.Root ?? throw new FormatException($"The {expectedRoot ?? "metadata"} XML has no root element.");
        if (expectedRoot is not null && root.Name != expectedRoot)
        {
            throw new FormatException($"Expected a <{expectedRoot}> document but the root element is <{root.Name.LocalName}>.");
        }

        return root;
    }

    /// <summary>
    /// Writes an element as indented text. Whitespace that only formats (text beside child
    /// elements) is dropped first so that edited documents come out evenly indented; text of leaf
    /// elements, including whitespace-only text, is kept exactly.
    /// </summary>
    public static string Write(XElement element)
    {
        var copy = new XElement(element);
        RemoveFormattingWhitespace(copy);
        var builder = new StringBuilder();
        try
        {
            using (var writer = XmlWriter.Create(builder, IndentedSettings))
            {
                copy.WriteTo(writer);
            }
        }
        catch (ArgumentException e)
        {
            throw new InvalidArgumentException(
                $"A value contains a character that XML cannot carry (a control character or an unpaired surrogate): {e.Message}");
        }

        return builder.ToString();
    }

    private static void RemoveFormattingWhitespace(XElement element)
    {
        if (element.HasElements)
        {
            element.Nodes().OfType<XText>().Where(t => string.IsNullOrWhiteSpace(t.Value)).ToList().ForEach(t => t.Remove());
        }

        foreach (var child in element.Elements())
        {
            RemoveFormattingWhitespace(child);
        }
    }

    public static string? Attr(this XElement? element, string name) => element?.Attribute(name)?.Value;

    public static string? Text(this XElement? element) => element?.Value;

    public static long? ParseLong(string? value) =>
        long.TryParse(value?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static int? ParseInt(string? value) =>
        int.TryParse(value?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A libvirt scaled integer (<c>unit</c> attribute) in bytes; null when absent or unparsable.</summary>
    public static long? ScaledBytes(XElement? element, string defaultUnit)
    {
        var value = ParseLong(element?.Value);
        if (value is null)
        {
            return null;
        }

        var multiplier = UnitMultiplier(element.Attr("unit") ?? defaultUnit);
        if (multiplier is null)
        {
            return null;
        }

        try
        {
            return checked(value.Value * multiplier.Value);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>A libvirt scaled integer in KiB (the unit of domain memory).</summary>
    public static long? ScaledKiB(XElement? element) => ScaledBytes(element, "KiB") is { } bytes ? bytes / 1024 : null;

    private static long? UnitMultiplier(string unit) => unit switch
    {
        "b" or "B" or "bytes" => 1L,
        "KB" => 1000L,
        "k" or "K" or "KiB" => 1024L,
        "MB" => 1000L * 1000,
        "m" or "M" or "MiB" => 1024L * 1024,
        "GB" => 1000L * 1000 * 1000,
        "g" or "G" or "GiB" => 1024L * 1024 * 1024,
        "TB" => 1000L * 1000 * 1000 * 1000,
        "t" or "T" or "TiB" => 1024L * 1024 * 1024 * 1024,
        "PB" => 1000L * 1000 * 1000 * 1000 * 1000,
        "p" or "P" or "PiB" => 1024L * 1024 * 1024 * 1024 * 1024,
        "EB" => 1000L * 1000 * 1000 * 1000 * 1000 * 1000,
        "e" or "E" or "EiB" => 1024L * 1024 * 1024 * 1024 * 1024 * 1024,
        _ => null,
    };

    public static Guid ParseGuid(string? value) => Guid.TryParse(value?.Trim(), out var g) ? g : Guid.Empty;

    public static string FormatGuid(Guid value) => value.ToString("D", CultureInfo.InvariantCulture);
}
