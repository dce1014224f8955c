using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Simplestack.Server.Observability;

namespace Simplestack.Server.Tests.Unit;

public sealed class AccessLogTests
{
    private static readonly DateTime At = new(2026, 11, 23, 10, 11, 12, 345, DateTimeKind.Utc);

    private static AccessLogEntry Entry(string? path = "/test/default/guests", int status = 200, string id = "req-1")
        => new(At, "GET", path, status, 0.2346, "/{hypervisor}/{host}/guests", "test", "-", id);

    [Fact]
    public async Task A_line_is_one_JSON_object_in_the_console_loggers_shape()
    {
        var sink = new Sink();
        await using var log = new AccessLog(Options.Create(new AccessLogOptions()), sink);
        log.Record(Entry());
        await log.FlushAsync(TimeSpan.FromSeconds(5));

        var line = Assert.Single(sink.Lines);
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("2026-11-23T10:11:12.345Z", root.GetProperty("Timestamp").GetString());
        Assert.Equal(50, root.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Equal(AccessLog.Category, root.GetProperty("Category").GetString());
        Assert.Equal("GET /test/default/guests answered 200 in 0.235 ms", root.GetProperty("Message").GetString());
        var state = root.GetProperty("State");
        Assert.Equal("/test/default/guests", state.GetProperty("Path").GetString());
        Assert.Equal(200, state.GetProperty("Status").GetInt32());
        Assert.Equal(0.235, state.GetProperty("ElapsedMs").GetDouble());
        Assert.Equal("/{hypervisor}/{host}/guests", state.GetProperty("Route").GetString());
        Assert.Equal("test", state.GetProperty("Hypervisor").GetString());
        Assert.Equal("req-1", state.GetProperty("RequestId").GetString());
    }

    [Theory]
    [InlineData(0.2346, "0.235")]
    [InlineData(0.2345, "0.235")] // halves away from zero, as the "0.###" format rounds
    [InlineData(12.5, "12.5")]
    [InlineData(3.0, "3")]
    [InlineData(0.0004, "0")]
    [InlineData(0.0005, "0.001")]
    [InlineData(1234567.0899, "1234567.09")]
    [InlineData(-1.0, "0")]
    [InlineData(double.NaN, "0")]
    public void Elapsed_milliseconds_are_written_like_the_0_hash_hash_hash_format(double milliseconds, string expected)
    {
        Span<char> text = stackalloc char[24];
        Assert.Equal(expected, new string(text[..AccessLog.FormatMilliseconds(milliseconds, text)]));
        if (double.IsFinite(milliseconds) && milliseconds >= 0)
        {
            Assert.Equal(milliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), expected);
        }
    }

    [Fact]
    public async Task Kept_encodings_of_repeated_values_stay_exact_and_bounded()
    {
        var sink = new Sink();
        await using var log = new AccessLog(Options.Create(new AccessLogOptions()), sink);
        const string caller = "ops \"key\"\u0001";
        for (var i = 0; i < 1500; i++)
        {
            // New method strings every line (as a caller's own tokens would be), one caller instance.
            log.Record(new AccessLogEntry(At, $"M{i}", "/p", 200, 1, "/{hypervisor}/{host}/x", "test", caller, "id"));
        }

        await log.FlushAsync(TimeSpan.FromSeconds(5));

        var lines = sink.Lines;
        Assert.Equal(1500, lines.Count);
        for (var i = 0; i < 1500; i++)
        {
            var state = JsonDocument.Parse(lines[i]).RootElement.GetProperty("State");
            Assert.Equal($"M{i}", state.GetProperty("Method").GetString());
            Assert.Equal(caller, state.GetProperty("Caller").GetString());
        }
    }

    [Fact]
    public async Task Control_characters_are_escaped_and_long_paths_cut()
    {
        var sink = new Sink();
        await using var log = new AccessLog(Options.Create(new AccessLogOptions()), sink);
        log.Record(Entry("/test/default/guests/a\nfake-line\u2028\"}"));
        log.Record(Entry("/" + new string('x', 5000)));
        await log.FlushAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(2, sink.Lines.Count);
        var paths = sink.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("State").GetProperty("Path").GetString()).ToList();
        Assert.Equal("/test/default/guests/a\\u000Afake-line\\u2028\"}", paths[0]);
        Assert.Equal(512 + 3, paths[1]!.Length);
        Assert.EndsWith("...", paths[1]);
    }

    [Fact]
    public async Task Lines_are_written_in_batches_of_whole_lines_of_at_most_4_KiB()
    {
        var sink = new Sink();
        await using var log = new AccessLog(Options.Create(new AccessLogOptions()), sink);
        for (var i = 0; i < 2000; i++)
        {
            log.Record(Entry(id: $"req-{i}"));
        }

        await log.FlushAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2000, sink.Lines.Count);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"req-{i}"), sink.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("State").GetProperty("RequestId").GetString()));
        Assert.All(sink.Writes, w => Assert.True(w.Length <= 4096 && w[^1] == (byte)'\n', $"a write of {w.Length} bytes"));
        Assert.True(sink.Writes.Count < 2000 / 4, $"{sink.Writes.Count} writes for 2000 lines");
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_lines_instead_of_blocking_the_request()
    {
        var sink = new Sink { Gate = new ManualResetEventSlim(false) };
        await using var log = new AccessLog(Options.Create(new AccessLogOptions { QueueCapacity = 16 }), sink);
        for (var i = 0; i < 100; i++)
        {
            log.Record(Entry(id: $"req-{i}")); // returns at once although the output is stuck
        }

        // The writer holds at most one batch while stuck; the queue holds 16: the rest was dropped.
        Assert.True(log.Dropped >= 50, $"{log.Dropped} dropped");
        sink.Gate.Set();
        await log.FlushAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(100 - log.Dropped, sink.Lines.Count);
    }

    [Fact]
    public async Task A_failing_output_counts_the_lost_lines_and_the_writer_goes_on()
    {
        var sink = new Sink { FailNext = true };
        await using var log = new AccessLog(Options.Create(new AccessLogOptions()), sink);
        log.Record(Entry(id: "lost"));
        await log.FlushAsync(TimeSpan.FromSeconds(5));
        log.Record(Entry(id: "kept"));
        await log.FlushAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(1, log.Dropped);
        Assert.Contains("\"kept\"", Assert.Single(sink.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_it_writes_nothing()
    {
        var sink = new Sink();
        await using var log = new AccessLog(Options.Create(new AccessLogOptions { Enabled = false }), sink);
        log.Record(Entry());
        await log.FlushAsync(TimeSpan.FromSeconds(1));
        Assert.False(log.Enabled);
        Assert.Empty(sink.Writes);
    }

    private sealed class Sink : IAccessLogSink
    {
        public ConcurrentQueue<byte[]> WritesQueue { get; } = new();

        public IReadOnlyList<byte[]> Writes => [.. WritesQueue];

        public ManualResetEventSlim? Gate { get; init; }

        public bool FailNext { get; set; }

        public IReadOnlyList<string> Lines => [.. Writes.SelectMany(w => Encoding.UTF8.GetString(w).Split('\n', StringSplitOptions.RemoveEmptyEntries))];

        public void Write(ReadOnlySpan<byte> lines)
        {
            Gate?.Wait(TimeSpan.FromSeconds(10));
            if (FailNext)
            {
                FailNext = false;
                throw new IOException("broken pipe");
            }

            WritesQueue.Enqueue(lines.ToArray());
        }
    }
}
