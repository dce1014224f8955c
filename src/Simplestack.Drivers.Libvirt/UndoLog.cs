namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// What a multi-step operation has made so far, undone in reverse order when a later step fails
/// (Incus's reverter). Undo steps that fail themselves are skipped so the rest still run.
/// </summary>
internal sealed class UndoLog
{
    private readonly Stack<Action> _steps = new();
    private readonly List<string> _volumePaths = [];

    public IReadOnlyList<string> CreatedVolumePaths => _volumePaths;

    public void Add(Action undo) => _steps.Push(undo);

    public void AddVolume(string path, Action undo)
    {
        _volumePaths.Add(path);
        _steps.Push(undo);
    }

    public void Commit() => _steps.Clear();

    public void Rollback()
    {
        while (_steps.TryPop(out var undo))
        {
            try
            {
                undo();
            }
            catch (Exception)
            {
                // Best effort: one failed undo must not stop the others.
            }
        }
    }
}
