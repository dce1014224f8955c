using Simplestack.Core;

namespace Simplestack.Drivers.XenApi;

// Tags are the VM's own tags field (VM.get_tags / add_tags / remove_tags), which Xen Orchestra
// and XenCenter show too.
public sealed partial class XenApiConnection : IGuestListTags
{
    public async Task<IReadOnlyList<string>> ListTagsAsync(string guestId, CancellationToken cancellationToken)
    {
        var (vmRef, _) = await FindVmAsync(guestId, cancellationToken);
        return await Call.Tags(vmRef, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> AddTagAsync(string guestId, string tag, CancellationToken cancellationToken)
    {
        CheckTag(tag);
        var (vmRef, _) = await FindVmAsync(guestId, cancellationToken);
        await Call.AddTag(vmRef, tag, cancellationToken); // XenAPI keeps a set: adding a tag twice changes nothing.
        return await Call.Tags(vmRef, cancellationToken);
    }

    public async Task RemoveTagAsync(string guestId, string tag, CancellationToken cancellationToken)
    {
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        if (!vm.Tags.Contains(tag, StringComparer.Ordinal))
        {
            throw new EntityNotFoundException($"Guest '{vm.NameLabel}' has no tag '{tag}'.");
        }

        await Call.RemoveTag(vmRef, tag, cancellationToken);
    }

    private static void CheckTag(string tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Any(char.IsControl))
        {
            throw new InvalidArgumentException("A tag must be a non-empty string without control characters.");
        }
    }
}
