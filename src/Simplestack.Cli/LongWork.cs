using System.CommandLine;
using System.Globalization;
using Simplestack.Client;

namespace Simplestack.Cli;

/// <summary>
/// Creating and long commands (API.md §9): the <c>--idempotency-key</c> each create sends, and the
/// gateway's progress as one line redrawn on a terminal.
/// </summary>
internal static class LongWork
{
    public static Option<string?> KeyOption() => new("--idempotency-key")
    {
        Description = "The Idempotency-Key to send (default: a new one, shown by --verbose); the same key and request again answer what the first made",
        HelpName = "KEY",
    };

    /// <summary>The key of this run: the one given, else a new one (said on stderr with --verbose).</summary>
    public static LongWorkOptions Options(CliContext context, Option<string?> keyOption)
    {
        var given = context.Get(keyOption);
        if (given is not null && !LongWorkOptions.IsValidKey(given))
        {
            throw new CliUsageException("--idempotency-key takes 1 to 255 printable ASCII characters.");
        }

        var key = given ?? LongWorkOptions.NewIdempotencyKey();
        if (context.Verbose)
        {
            context.Cli.Environment.Error.WriteLine($"Idempotency-Key: {key}");
        }

        // A key of our own is dropped on a driver that keeps none; the caller's is not.
        return new LongWorkOptions { IdempotencyKey = key, WithoutKeyWhenNotKept = given is null };
    }

    /// <summary>
    /// Runs work followed as a stream (<paramref name="work"/> gets the progress sink) when
    /// <see cref="CliContext.FollowsProgress"/>, else <paramref name="unfollowed"/>.
    /// </summary>
    public static async Task<T> FollowAsync<T>(CliContext context, string description, Func<IProgress<WorkProgress>, Task<T>> work, Func<Task<T>> unfollowed)
    {
        if (!context.FollowsProgress)
        {
            return await unfollowed();
        }

        var line = new ProgressLine(context.Cli.Environment.Error, description);
        try
        {
            return await work(line);
        }
        finally
        {
            line.End();
        }
    }

    /// <summary>
    /// <c>DESCRIPTION:  42.5% copying disk vda</c>, redrawn in place (carriage return, padded over
    /// the longer line before it). Written as reports come (synchronously: <see cref="Progress{T}"/> would post and reorder).
    /// </summary>
    private sealed class ProgressLine : IProgress<WorkProgress>
    {
        private readonly TextWriter _writer;
        private readonly string _description;
        private readonly Lock _lock = new();
        private int _width;

        public ProgressLine(TextWriter writer, string description)
        {
            _writer = writer;
            _description = description;
            Draw($"{description}: starting");
        }

        public void Report(WorkProgress value)
            => Draw(string.Create(CultureInfo.InvariantCulture, $"{_description}: {value.Percent,5:0.0}% {value.Phase}"));

        public void End()
        {
            lock (_lock)
            {
                _writer.WriteLine();
                _writer.Flush();
            }
        }

        private void Draw(string text)
        {
            lock (_lock)
            {
                _writer.Write('\r' + text.PadRight(_width));
                _writer.Flush();
                _width = Math.Max(_width, text.Length);
            }
        }
    }
}
