using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Simplestack.Core;

/// <summary>
/// Undoes what a multi-step operation has made when it does not finish (Incus's reverter): each
/// step that makes something adds how to unmake it; <see cref="Commit"/> at the end keeps it all;
/// disposing without a commit undoes the steps in reverse order. An undo that fails is logged with
/// what it was undoing and the rest still run, so nothing is left half-made without a trace.
/// </summary>
/// <example>
/// <code>
/// using var undo = new Reverter(logger);
/// var volume = CreateVolume(); undo.Add($"volume {volume.Path}", () => volume.Delete());
/// DefineGuest(volume);
/// undo.Commit();
/// </code>
/// Steps that are asynchronous (an HTTP driver's) go through <c>await using</c> and <see cref="Add(string, Func{ValueTask})"/>.
/// </example>
public sealed partial class Reverter(ILogger? logger = null) : IDisposable, IAsyncDisposable
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly Stack<(string What, Func<ValueTask> Undo)> _steps = new();
    private bool _committed;

    /// <summary>Records how to undo a step; <paramref name="what"/> names it in the log if that fails (never a secret).</summary>
    public void Add(string what, Action undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        _steps.Push((what, () =>
        {
            undo();
            return ValueTask.CompletedTask;
        }));
    }

    /// <inheritdoc cref="Add(string, Action)"/>
    public void Add(string what, Func<ValueTask> undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        _steps.Push((what, undo));
    }

    /// <summary>The operation finished: keep everything it made.</summary>
    public void Commit() => _committed = true;

    /// <summary>Undoes every step unless committed. Asynchronous steps are waited for on this thread.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Undoes every step unless committed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_committed)
        {
            _steps.Clear();
            return;
        }

        while (_steps.TryPop(out var step))
        {
            try
            {
                await step.Undo();
            }
            catch (Exception error)
            {
                // One failed undo must not stop the others; the operator learns what was left.
                UndoFailed(_logger, step.What, error.Message);
            }
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Undoing a failed operation left {What} behind: {Reason}")]
    private static partial void UndoFailed(ILogger logger, string what, string reason);
}
