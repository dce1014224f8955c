using Microsoft.Extensions.Logging;
using Simplestack.Core;

namespace Simplestack.Core.Tests;

public sealed class ReverterTests
{
    [Fact]
    public void Without_a_commit_every_step_is_undone_in_reverse_order()
    {
        var undone = new List<string>();
        using (var undo = new Reverter())
        {
            undo.Add("volume a", () => undone.Add("a"));
            undo.Add("volume b", () => undone.Add("b"));
            undo.Add("domain c", () => undone.Add("c"));
        }

        Assert.Equal(["c", "b", "a"], undone);
    }

    [Fact]
    public void A_commit_keeps_everything()
    {
        var undone = new List<string>();
        using (var undo = new Reverter())
        {
            undo.Add("volume a", () => undone.Add("a"));
            undo.Commit();
        }

        Assert.Empty(undone);
    }

    [Fact]
    public void A_failed_undo_is_logged_with_what_it_left_and_the_others_still_run()
    {
        var undone = new List<string>();
        var log = new ListLogger();
        using (var undo = new Reverter(log))
        {
            undo.Add("volume /pool/a.qcow2", () => undone.Add("a"));
            undo.Add("volume /pool/b.qcow2", () => throw new InvalidOperationException("storage volume is busy"));
            undo.Add("domain c", () => undone.Add("c"));
        }

        Assert.Equal(["c", "a"], undone);
        var (level, message) = Assert.Single(log.Lines);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains("volume /pool/b.qcow2", message, StringComparison.Ordinal);
        Assert.Contains("storage volume is busy", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asynchronous_steps_are_awaited_in_reverse_order()
    {
        var undone = new List<string>();
        await using (var undo = new Reverter())
        {
            undo.Add("vdi 1", async () =>
            {
                await Task.Yield();
                undone.Add("1");
            });
            undo.Add("vm 2", () => undone.Add("2"));
        }

        Assert.Equal(["2", "1"], undone);
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Lines.Add((logLevel, formatter(state, exception)));
    }
}
