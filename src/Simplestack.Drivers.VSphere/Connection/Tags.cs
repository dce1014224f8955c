using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

// Tags are kept where the original kept them: in the VM's annotation (its notes), one tag a line.
// A change is a ReconfigVM_Task of the annotation guarded by config.changeVersion, so two
// changes at once cannot lose one another's tag (the second answers 409 and can be retried).
public sealed partial class VSphereConnection : ITagManagement, IGuestListTags
{
    private static readonly string[] AnnotationPaths = ["config.annotation", "config.changeVersion"];

    public async Task<IReadOnlyList<string>> ListTagsAsync(string guestId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        return ParseTags((await _collector.RetrieveOneAsync(vm, AnnotationPaths, cancellationToken)).Text("config.annotation"));
    }

    public async Task<IReadOnlyList<string>> AddTagAsync(string guestId, string tag, CancellationToken cancellationToken)
    {
        CheckTag(tag);
        var vm = await FindVmAsync(guestId, cancellationToken);
        var (tags, version) = await ReadTagsAsync(vm, cancellationToken);
        if (tags.Contains(tag))
        {
            return tags;
        }

        List<string> changed = [.. tags, tag];
        await WriteTagsAsync(vm, changed, version, cancellationToken);
        return changed;
    }

    public async Task RemoveTagAsync(string guestId, string tag, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        var (tags, version) = await ReadTagsAsync(vm, cancellationToken);
        if (!tags.Contains(tag))
        {
            throw EntityNotFoundException.Of("Tag", tag);
        }

        await WriteTagsAsync(vm, [.. tags.Where(t => t != tag)], version, cancellationToken);
    }

    /// <summary>The annotation's non-empty lines (a Windows client may have written CR LF).</summary>
    internal static List<string> ParseTags(string? annotation)
        => [.. (annotation ?? "").Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Length > 0).Distinct(StringComparer.Ordinal)];

    /// <summary>A tag is one line of the annotation: a line break would make it two.</summary>
    private static void CheckTag(string tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Any(char.IsControl) || tag.Length > 255)
        {
            throw new InvalidArgumentException("A tag must be 1 to 255 characters on one line (no control characters).");
        }
    }

    private async Task<(List<string> Tags, string? Version)> ReadTagsAsync(MoRef vm, CancellationToken cancellationToken)
    {
        var content = await _collector.RetrieveOneAsync(vm, AnnotationPaths, cancellationToken);
        return (ParseTags(content.Text("config.annotation")), content.Text("config.changeVersion"));
    }

    private Task WriteTagsAsync(MoRef vm, List<string> tags, string? version, CancellationToken cancellationToken)
        => RunTaskAsync("ReconfigVM_Task", vm, cancellationToken, ConfigSpecs.Reconfigure(annotation: string.Join('\n', tags), changeVersion: version));
}
