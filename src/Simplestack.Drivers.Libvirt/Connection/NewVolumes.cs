using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// The storage volumes one multi-step operation has made: each is deleted by the operation's
/// <see cref="Reverter"/> if the operation fails, and a guest it creates records them as its own
/// (so deleting the guest deletes them, and nothing else).
/// </summary>
internal sealed class NewVolumes(Reverter undo, LibvirtConnection native)
{
    private readonly List<string> _paths = [];

    public IReadOnlyList<string> Paths => _paths;

    /// <summary>Records a volume just made at <paramref name="path"/>.</summary>
    public void Add(string path)
    {
        _paths.Add(path);
        undo.Add($"volume {path}", () =>
        {
            using var volume = native.TryLookupStorageVolumeByPath(path);
            volume?.Delete();
        });
    }
}
