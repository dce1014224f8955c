using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Tags live in the domain's metadata under our own XML namespace (TagsMetadata), so they travel
// with the domain (export, clone) and need no database.
public abstract partial class LibvirtHypervisorConnection
{
    public Task<IReadOnlyList<string>> ListTagsAsync(string guestId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        return ReadTags(domain);
    }, cancellationToken);

    public Task<IReadOnlyList<string>> AddTagAsync(string guestId, string tag, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        ValidateTag(tag);
        using var domain = FindDomain(guestId);
        var tags = ReadTags(domain);
        if (tags.Contains(tag))
        {
            return tags;
        }

        IReadOnlyList<string> updated = [.. tags, tag];
        WriteTagsAndRecord(domain, updated);
        return updated;
    }, cancellationToken);

    public Task RemoveTagAsync(string guestId, string tag, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var tags = ReadTags(domain);
        if (!tags.Contains(tag))
        {
            throw EntityNotFoundException.Of("tag", tag);
        }

        WriteTagsAndRecord(domain, [.. tags.Where(t => t != tag)]);
    }, cancellationToken);

    private static IReadOnlyList<string> ReadTags(LibvirtDomain domain)
        => TagsMetadata.Parse(domain.GetMetadata(DomainMetadataType.Element, TagsMetadata.NamespaceUri, DomainModificationImpact.Current));

    private static void WriteTags(LibvirtDomain domain, IReadOnlyList<string> tags)
    {
        var impact = domain.IsActive && domain.IsPersistent ? DomainModificationImpact.Live | DomainModificationImpact.Config : DomainModificationImpact.Current;
        domain.SetMetadata(DomainMetadataType.Element, tags.Count == 0 ? null : TagsMetadata.Build(tags), TagsMetadata.Prefix, TagsMetadata.NamespaceUri, impact);
    }

    /// <summary>Writes the tags and re-reads the guest into the inventory, so the next <c>?tag=</c> list sees them.</summary>
    private void WriteTagsAndRecord(LibvirtDomain domain, IReadOnlyList<string> tags)
    {
        WriteTags(domain, tags);
        GuestTouched(domain.Uuid);
    }

    private static void ValidateTag(string tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Length > 255 || tag.Any(char.IsControl))
        {
            throw new InvalidArgumentException("A tag must be 1 to 255 characters without control characters.");
        }
    }
}
