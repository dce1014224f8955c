using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Simplestack.Server.Observability;

/// <summary>What the access log keeps of one answered request. Never a header, a query string or a body.</summary>
public readonly record struct AccessLogEntry(
    DateTime Timestamp,
    string Method,
    string? Path,
    int Status,
    double ElapsedMs,
    string Route,
    string Hypervisor,
    string Caller,
    string RequestId);

/// <summary>Where the access log's lines go: whole UTF-8 lines, each ending in <c>\n</c>.</summary>
public interface IAccessLogSink
{
    /// <summary>
    /// The most bytes one <see cref="Write"/> may carry: 4 KiB (PIPE_BUF) where other writers share
    /// the output and only writes up to that size stay whole, more where the output is a file.
    /// </summary>
    int BatchBytes => 4096;

    void Write(ReadOnlySpan<byte> lines);
}

/// <summary>The process's standard output, as a service manager or container runtime collects it.</summary>
public sealed class StdoutAccessLogSink : IAccessLogSink, IDisposable
{
    private readonly Stream _stdout = Console.OpenStandardOutput();

    /// <summary>
    /// 64 KiB when stdout is a regular file (writes to one open file do not interleave inside a
    /// write), else 4 KiB: a pipe or socket (a container runtime, journald) keeps only writes up to
    /// PIPE_BUF whole next to the console logger's lines.
    /// </summary>
    public int BatchBytes { get; } = IsRegularFile("/proc/self/fd/1") ? 64 * 1024 : 4096;

    public void Write(ReadOnlySpan<byte> lines) => _stdout.Write(lines);

    private static bool IsRegularFile(string descriptor)
    {
        try
        {
            // The link of a pipe or socket reads "pipe:[inode]" / "socket:[inode]"; a file's is its path.
            var target = new FileInfo(descriptor).LinkTarget;
            return target is not null && target.StartsWith('/') && File.Exists(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose() => _stdout.Dispose();
}

/// <summary>Configuration section <c>Simplestack:AccessLog</c>.</summary>
public sealed class AccessLogOptions
{
    public const string Section = "Simplestack:AccessLog";

    /// <summary>One line per answered request (default on).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Lines waiting to be written; past it new lines are dropped and counted, never waited for.</summary>
    public int QueueCapacity { get; set; } = 16_384;
}

/// <summary>
/// The request log: one JSON line per answered request, in the shape of the console logger's JSON
/// lines (<c>Timestamp</c>, <c>EventId</c> 50, <c>LogLevel</c>, <c>Category</c>, <c>Message</c>,
/// <c>State</c>) so one log pipeline reads both. Written like an nginx or Envoy access log rather
/// than through <see cref="ILogger"/>: the request thread only queues a small struct; one
/// background writer formats with <see cref="Utf8JsonWriter"/> and writes batches of whole lines
/// (at most 4 KiB per write to a pipe, which keeps that whole next to the other log lines; 64 KiB to a file). Per request
/// through the console logger this cost ~15 us and one write(2); here it is a fraction of that.
/// A full queue drops lines and counts them (<see cref="Dropped"/>, exported as a metric) instead
/// of slowing requests down behind a blocked stdout.
/// </summary>
public sealed class AccessLog : IAsyncDisposable
{
    public const int EventId = 50;
    public const string Category = "Simplestack.Server.Observability.AccessLog";

    /// <summary>
    /// After writing, the writer waits this long before looking again, so that under load it wakes
    /// and writes once per interval instead of once per request. Lines reach stdout at most this late.
    /// </summary>
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(20);
    private const int MaxLoggedPath = 512;

    /// <summary>Characters a logged path shows as <c>\uXXXX</c>: controls (C0, DEL, C1), surrogates, line and paragraph separators.</summary>
    private static readonly SearchValues<char> Escaped = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x10000).Select(c => (char)c).Where(c => char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029')));

    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("Timestamp");
    private static readonly JsonEncodedText EventIdName = JsonEncodedText.Encode("EventId");
    private static readonly JsonEncodedText LogLevelName = JsonEncodedText.Encode("LogLevel");
    private static readonly JsonEncodedText CategoryName = JsonEncodedText.Encode("Category");
    private static readonly JsonEncodedText MessageName = JsonEncodedText.Encode("Message");
    private static readonly JsonEncodedText StateName = JsonEncodedText.Encode("State");
    private static readonly JsonEncodedText InformationValue = JsonEncodedText.Encode("Information");
    private static readonly JsonEncodedText CategoryValue = JsonEncodedText.Encode(Category);

    private readonly Channel<AccessLogEntry>? _queue;
    private readonly IAccessLogSink _sink;
    private readonly Task _writer = Task.CompletedTask;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly byte[] _batch;
    private readonly char[] _timestamp = new char[24];

    // Methods, route patterns, hypervisor and caller names come from small fixed sets, as the same
    // string instances request after request: their JSON encodings are kept (writer thread only),
    // keyed by reference, so a line escapes only what is new in it (the path, the id).
    private readonly Dictionary<string, JsonEncodedText> _encoded = new(ReferenceEqualityComparer.Instance);
    private const int MaxEncoded = 1024;
    private long _timestampSecond = -1;
    private int _batchLength;
    private long _accepted;
    private long _written;
    private long _dropped;

    public AccessLog(IOptions<AccessLogOptions> options, IAccessLogSink sink)
    {
        _sink = sink;
        _batch = new byte[Math.Clamp(sink.BatchBytes, 1024, 1024 * 1024)];
        if (!options.Value.Enabled)
        {
            return;
        }

        _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(Math.Max(16, options.Value.QueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite answers false when full: the line is dropped and counted
        });
        _writer = Task.Run(WriteLinesAsync);
    }

    public bool Enabled => _queue is not null;

    /// <summary>Lines dropped because the queue was full or the output failed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues the line of one answered request; never blocks.</summary>
    public void Record(in AccessLogEntry entry)
    {
        if (_queue is null)
        {
            return;
        }

        if (_queue.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref _accepted);
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Waits until every line queued so far has been written (or dropped); for tests and shutdown.</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        var target = Interlocked.Read(ref _accepted);
        var deadline = DateTime.UtcNow + timeout;
        while (Interlocked.Read(ref _written) < target && !_writer.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_queue is null)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _writer.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>The path as it may be logged: control and separator characters as <c>\uXXXX</c>, at most 512 characters.</summary>
    public static string LoggablePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }

        if (path.Length <= MaxLoggedPath && !path.AsSpan().ContainsAny(Escaped))
        {
            return path;
        }

        var builder = new StringBuilder(Math.Min(path.Length, MaxLoggedPath) + 8);
        foreach (var c in path)
        {
            if (builder.Length >= MaxLoggedPath)
            {
                builder.Append("...");
                break;
            }

            if (Escaped.Contains(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private async Task WriteLinesAsync()
    {
        var reader = _queue!.Reader;
        using var json = new Utf8JsonWriter(_line, new JsonWriterOptions { SkipValidation = true });
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var lines = 0L;
            while (reader.TryRead(out var entry))
            {
                _line.ResetWrittenCount();
                json.Reset(_line);
                Format(json, entry);
                json.Flush();
                _line.Write("\n"u8);
                Append(_line.WrittenSpan);
                lines++;
            }

            Flush();
            Interlocked.Add(ref _written, lines);
            await Task.Delay(BatchInterval).ConfigureAwait(false);
        }

        Flush();
    }

    private void Append(ReadOnlySpan<byte> line)
    {
        if (_batchLength + line.Length > _batch.Length)
        {
            Flush();
        }

        if (line.Length > _batch.Length)
        {
            Output(line);
            return;
        }

        line.CopyTo(_batch.AsSpan(_batchLength));
        _batchLength += line.Length;
    }

    private void Flush()
    {
        if (_batchLength > 0)
        {
            Output(_batch.AsSpan(0, _batchLength));
            _batchLength = 0;
        }
    }

    private void Output(ReadOnlySpan<byte> lines)
    {
        try
        {
            _sink.Write(lines);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
        {
            // stdout closed or full: the lines are lost, and counted, rather than the requests slowed.
            Interlocked.Add(ref _dropped, lines.Count((byte)'\n'));
        }
    }

    /// <summary>
    /// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (the console logger's configured format), the part up to the
    /// second formatted once per second: a custom DateTime format is slow to run per line.
    /// </summary>
    private ReadOnlySpan<char> Timestamp(DateTime utc)
    {
        var second = utc.Ticks / TimeSpan.TicksPerSecond;
        if (second != _timestampSecond)
        {
            utc.TryFormat(_timestamp, out _, "yyyy-MM-ddTHH:mm:ss.", CultureInfo.InvariantCulture);
            _timestampSecond = second;
        }

        var millisecond = (int)(utc.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMillisecond);
        _timestamp[20] = (char)('0' + millisecond / 100);
        _timestamp[21] = (char)('0' + millisecond / 10 % 10);
        _timestamp[22] = (char)('0' + millisecond % 10);
        _timestamp[23] = 'Z';
        return _timestamp;
    }

    private JsonEncodedText Encoded(string value)
    {
        if (!_encoded.TryGetValue(value, out var encoded))
        {
            if (_encoded.Count >= MaxEncoded)
            {
                _encoded.Clear(); // a caller's own method tokens arrive as new strings: stay bounded
            }

            encoded = JsonEncodedText.Encode(value);
            _encoded.Add(value, encoded);
        }

        return encoded;
    }

    /// <summary>
    /// Milliseconds to at most three decimals without trailing zeros ("0.###"), from whole
    /// microseconds: a custom numeric format string is slow to run for every line. Returns the length.
    /// </summary>
    internal static int FormatMilliseconds(double milliseconds, Span<char> destination)
    {
        var microseconds = double.IsFinite(milliseconds) && milliseconds > 0
            ? (long)Math.Min(Math.Round(milliseconds * 1000, MidpointRounding.AwayFromZero), long.MaxValue / 2)
            : 0;
        (microseconds / 1000).TryFormat(destination, out var length, default, CultureInfo.InvariantCulture);
        var fraction = (int)(microseconds % 1000);
        if (fraction != 0)
        {
            destination[length++] = '.';
            for (var divisor = 100; fraction != 0; divisor /= 10)
            {
                destination[length++] = (char)('0' + fraction / divisor);
                fraction %= divisor;
            }
        }

        return length;
    }

    private void Format(Utf8JsonWriter json, in AccessLogEntry entry)
    {
        var path = LoggablePath(entry.Path);
        json.WriteStartObject();
        json.WriteString(TimestampName, Timestamp(entry.Timestamp));
        json.WriteNumber(EventIdName, EventId);
        json.WriteString(LogLevelName, InformationValue);
        json.WriteString(CategoryName, CategoryValue);

        // The time is formatted once, for the message and (as a raw JSON number) for the state.
        Span<char> elapsed = stackalloc char[24];
        elapsed = elapsed[..FormatMilliseconds(entry.ElapsedMs, elapsed)];
        var message = ArrayPool<char>.Shared.Rent(path.Length + entry.Method.Length + 64);
        MemoryExtensions.TryWrite(message, CultureInfo.InvariantCulture, $"{entry.Method} {path} answered {entry.Status} in {elapsed} ms", out var length);
        json.WriteString(MessageName, message.AsSpan(0, length));
        ArrayPool<char>.Shared.Return(message);

        json.WriteStartObject(StateName);
        json.WriteString("Method"u8, Encoded(entry.Method));
        json.WriteString("Path"u8, path);
        json.WriteNumber("Status"u8, entry.Status);
        json.WritePropertyName("ElapsedMs"u8);
        Span<byte> elapsedUtf8 = stackalloc byte[24];
        json.WriteRawValue(elapsedUtf8[..Encoding.UTF8.GetBytes(elapsed, elapsedUtf8)], skipInputValidation: true);
        json.WriteString("Route"u8, Encoded(entry.Route));
        json.WriteString("Hypervisor"u8, Encoded(entry.Hypervisor));
        json.WriteString("Caller"u8, Encoded(entry.Caller));
        json.WriteString("RequestId"u8, entry.RequestId);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
