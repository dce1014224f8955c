using System.Xml.Linq;
using Simplestack.Core.Idempotency;

namespace Simplestack.Drivers.Libvirt.Metadata;

/// <summary>
/// Idempotency keys kept in a domain's metadata (API.md §9), one element of our own namespace:
/// <c>&lt;keys made="KEYHASH.BODYHASH"&gt;LEDGER&lt;/keys&gt;</c>. <c>made</c> is the stamp of the
/// request that made the guest; the text is the <see cref="IdempotencyLedger"/> of what keyed
/// requests made on it (snapshots, disks, NICs).
/// </summary>
internal static class IdempotencyMetadata
{
    public const string NamespaceUri = "https://simplestack.dev/xmlns/keys/1";
    public const string Prefix = "simplestackkeys";

    private static readonly XNamespace Ns = NamespaceUri;

    /// <summary>The element's content as read with <c>virDomainGetMetadata</c>.</summary>
    public static (IdempotencyStamp? Made, IReadOnlyList<IdempotencyEntry> Ledger) Parse(string? elementXml)
    {
        if (string.IsNullOrWhiteSpace(elementXml))
        {
            return (null, []);
        }

        try
        {
            var root = XElement.Parse(elementXml);
            return (IdempotencyStamp.Parse((string?)root.Attribute("made")), IdempotencyLedger.Parse(root.Value));
        }
        catch (System.Xml.XmlException)
        {
            return (null, []);
        }
    }

    /// <summary>The element for <c>virDomainSetMetadata</c>; null (remove it) when there is nothing to keep.</summary>
    public static string? Build(IdempotencyStamp? made, IReadOnlyList<IdempotencyEntry> ledger, DateTimeOffset now)
    {
        if (made is null && ledger.Count == 0)
        {
            return null;
        }

        var element = new XElement(Ns + "keys");
        if (made is not null)
        {
            element.Add(new XAttribute("made", made.ToString()));
        }

        if (ledger.Count > 0)
        {
            element.Add(IdempotencyLedger.Write(ledger, now));
        }

        return element.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>
    /// A domain XML made to define a new guest, with this element replaced: the stamp of the request
    /// making it, or none. A clone or an import starts from another domain's XML, whose keys are not its own.
    /// </summary>
    public static string Stamp(string domainXml, IdempotencyStamp? made)
    {
        var root = XDocument.Parse(domainXml);
        var metadata = root.Root!.Element("metadata");
        metadata?.Elements(Ns + "keys").Remove();
        if (made is not null)
        {
            if (metadata is null)
            {
                metadata = new XElement("metadata");
                root.Root.Add(metadata);
            }

            metadata.Add(new XElement(Ns + "keys", new XAttribute(XNamespace.Xmlns + Prefix, NamespaceUri), new XAttribute("made", made.ToString())));
        }
        else if (metadata is not null && !metadata.HasElements)
        {
            metadata.Remove();
        }

        return root.ToString(SaveOptions.DisableFormatting);
    }
}
