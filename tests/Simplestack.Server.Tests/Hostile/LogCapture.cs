using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Simplestack.Server.Observability;

namespace Simplestack.Server.Tests.Hostile;

/// <summary>
/// A logger provider that keeps every line written through it: the formatted message, every
/// structured value, every scope value and the whole exception (type, message, stack, inner
/// exceptions), so a test can grep all of it.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope, IAccessLogSink
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Lines => _lines;

    public int Count => _lines.Count;

    public ILogger CreateLogger(string categoryName) => new CaptureLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    /// <summary>The access log's lines (written by its own writer, not through <see cref="ILogger"/>).</summary>
    public void Write(ReadOnlySpan<byte> lines)
    {
        foreach (var line in Encoding.UTF8.GetString(lines).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            _lines.Enqueue($"{LogLevel.Information} {AccessLog.Category}[{AccessLog.EventId}] {line}");
        }
    }

    /// <summary>Every captured line that contains any of <paramref name="secrets"/> (ordinal).</summary>
    public IReadOnlyList<string> LinesContaining(IEnumerable<string> secrets)
    {
        var list = secrets.Where(s => s.Length > 0).ToList();
        return [.. _lines.Where(line => list.Any(s => line.Contains(s, StringComparison.Ordinal)))];
    }

    private sealed class CaptureLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
            => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = new StringBuilder();
            line.Append(logLevel).Append(' ').Append(category).Append('[').Append(eventId.Id).Append("] ").Append(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    line.Append(" |").Append(key).Append('=').Append(value);
                }
            }

            owner._scopes.ForEachScope((scope, builder) => builder.Append(" |scope=").Append(scope), line);
            if (exception is not null)
            {
                line.Append(" |exception=").Append(exception);
            }

            owner._lines.Enqueue(line.ToString());
        }
    }
}
