using System.Globalization;
using Spectre.Console;

namespace Simplestack.Cli;

/// <summary>Progress bars on standard error (standard output stays clean for <c>--json</c>).</summary>
internal static class Transfers
{
    /// <summary>Runs a transfer under a bar with bytes, rate and time left (<paramref name="total"/> null: an open-ended bar).</summary>
    public static async Task<T> WithProgressAsync<T>(CliContext context, string description, long? total, Func<IProgress<long>, Task<T>> work)
    {
        if (!context.ShowProgress)
        {
            return await work(new Progress<long>());
        }

        if (!context.Cli.Environment.Interactive)
        {
            // Not a terminal (a log, a pipe): one summary line instead of a redrawn bar.
            var counter = new Counter();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var value = await work(counter);
            var seconds = Math.Max(clock.Elapsed.TotalSeconds, 0.001);
            context.Cli.Environment.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{description}: {Bytes(counter.Value)}{(total is > 0 ? " of " + Bytes(total.Value) : string.Empty)} in {seconds:0.0} s ({Bytes((long)(counter.Value / seconds))}/s)"));
            return value;
        }

        T result = default!;
        await context.Error.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn { Culture = CultureInfo.InvariantCulture },
                new TransferSpeedColumn { Culture = CultureInfo.InvariantCulture },
                new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(description, maxValue: total is > 0 ? total.Value : 1);
                task.IsIndeterminate = total is null or 0;
                result = await work(new TaskProgress(task, total is null or 0));
                task.IsIndeterminate = false;
                task.MaxValue = Math.Max(task.Value, 1);
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return result;
    }

    /// <summary>An operation without byte counts (clone): a spinner with the elapsed time.</summary>
    public static async Task<T> WithSpinnerAsync<T>(CliContext context, string description, Func<Task<T>> work)
    {
        if (!context.ShowProgress)
        {
            return await work();
        }

        if (!context.Cli.Environment.Interactive)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var value = await work();
            context.Cli.Environment.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{description}: done in {clock.Elapsed.TotalSeconds:0.0} s"));
            return value;
        }

        T result = default!;
        await context.Error.Progress()
            .AutoClear(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(description, maxValue: 1);
                task.IsIndeterminate = true;
                result = await work();
                task.IsIndeterminate = false;
                task.Value = 1;
                task.StopTask();
            });
        return result;
    }

    private sealed class Counter : IProgress<long>
    {
        public long Value { get; private set; }

        public void Report(long value) => Value = value;
    }

    /// <summary>Sets the task's value as bytes arrive (synchronously: <see cref="Progress{T}"/> would post and reorder).</summary>
    private sealed class TaskProgress(ProgressTask task, bool openEnded) : IProgress<long>
    {
        public void Report(long value)
        {
            if (openEnded && value > task.MaxValue)
            {
                task.MaxValue = value;
            }

            task.Value = value;
        }
    }

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }
}
