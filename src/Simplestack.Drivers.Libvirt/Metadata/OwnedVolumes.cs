using System.Xml.Linq;

namespace Simplestack.Drivers.Libvirt.Metadata;

/// <summary>
/// The storage volumes the gateway created for a guest, kept in the domain's metadata so that a
/// delete removes those and keeps volumes attached from elsewhere (and ISOs).
/// </summary>
internal static class OwnedVolumes
{
    public const string NamespaceUri = "https://simplestack.dev/xmlns/volumes/1";
    public const string Prefix = "simplestackvol";

    private static readonly XNamespace Ns = NamespaceUri;

    public static string Build(IEnumerable<string> paths)
        => new XElement(Ns + "volumes", paths.Distinct(StringComparer.Ordinal).Select(p => new XElement(Ns + "volume", new XAttribute("path", p))))
            .ToString(SaveOptions.DisableFormatting);

    public static IReadOnlyList<string> Parse(string? elementXml)
    {
        if (string.IsNullOrWhiteSpace(elementXml))
        {
            return [];
        }

        var root = XElement.Parse(elementXml);
        return [.. root.Elements().Select(e => (string?)e.Attribute("path")).OfType<string>()];
    }
}
