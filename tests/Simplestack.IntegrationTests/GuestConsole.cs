using System.Text;
using Simplestack.Libvirt;

namespace Simplestack.IntegrationTests;

/// <summary>
/// A guest's serial console (or an LXC container's console) through virDomainOpenConsole: what
/// `virsh console` does. Reads on a background thread into a transcript; commands are typed and
/// their output read back between unique markers.
/// </summary>
public sealed class GuestConsole : IDisposable
{
    private const uint ConsoleForce = 1;
    private static readonly TimeSpan StallNudge = TimeSpan.FromSeconds(10);

    private readonly LibvirtConnection _connection;
    private readonly LibvirtStream _stream;
    private readonly StringBuilder _transcript = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _reader;
    private int _commands;

    /// <param name="uri">The hypervisor. The console gets a connection of its own: a thread blocked
    /// reading a stream would otherwise hold up every other call on a shared connection.</param>
    public GuestConsole(string uri, string guestName)
    {
        // QEMU takes over a console someone else holds (VIR_DOMAIN_CONSOLE_FORCE); LXC knows no flags.
        var flags = uri.StartsWith("lxc", StringComparison.Ordinal) ? 0u : ConsoleForce;
        _connection = LibvirtConnection.Open(uri);
        using var domain = _connection.TryLookupDomainByName(guestName) ?? throw new InvalidOperationException($"no guest {guestName}");
        // A blocking stream read by its own thread: the remote driver hands it data without an event loop.
        _stream = _connection.NewStream();
        domain.OpenConsole(null, _stream, flags);
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"console {guestName}" };
        _reader.Start();
    }

    public string Transcript
    {
        get
        {
            lock (_transcript)
            {
                return _transcript.ToString();
            }
        }
    }

    public async Task WaitForAsync(string text, TimeSpan timeout, int from = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var transcript = Transcript;
            if (transcript.IndexOf(text, Math.Min(from, transcript.Length), StringComparison.Ordinal) >= 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' did not appear on the console within {timeout.TotalSeconds:0} s. Console so far:\n{Tail(transcript)}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits until the guest's ready marker shows. A guest that was up before the console opened
    /// printed it already: every few seconds the wait types an echo of the marker (quoted so the
    /// typed line itself never matches), which a running shell answers.
    /// </summary>
    public async Task WaitForReadyAsync(string marker, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var half = marker.Length / 2;
        while (true)
        {
            try
            {
                await WaitForAsync(marker, TimeSpan.FromSeconds(5));
                return;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                Send($"\necho '{marker[..half]}''{marker[half..]}'\n");
            }
        }
    }

    /// <summary>Types a shell command and returns what it printed.</summary>
    public async Task<string> RunAsync(string command, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _commands);
        var start = Transcript.Length;
        var begin = $"<<B{id}>>";
        var end = $"<<E{id}>>";
        // The markers are printed by echo with their halves split, so the typed command's echo never matches.
        Send($"echo '<<B{id}''>>'; {command}; echo '<<E{id}''>>'\n");
        // Seen once in CI on an LXC console: the output stopped arriving mid-answer, the rest sitting
        // unread until the console had something new to say. A stalled wait types an empty line
        // (a shell only prints another prompt) and goes on waiting, up to the same overall limit.
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            try
            {
                await WaitForAsync(end, left < StallNudge ? left : StallNudge, start);
                break;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                Send("\n");
            }
        }

        var transcript = Transcript[start..];
        var from = transcript.IndexOf(begin, StringComparison.Ordinal) + begin.Length;
        var to = transcript.IndexOf(end, from, StringComparison.Ordinal);
        return transcript[from..to].Replace("\r", string.Empty, StringComparison.Ordinal).Trim();
    }

    public void Send(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var offset = 0; offset < bytes.Length;)
        {
            var sent = _stream.Send(bytes.AsSpan(offset));
            if (sent == LibvirtStream.WouldBlock)
            {
                Thread.Sleep(10);
                continue;
            }

            offset += sent;
        }
    }

    private void ReadLoop()
    {
        var buffer = new byte[4096];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = _stream.Receive(buffer);
                if (read == LibvirtStream.WouldBlock)
                {
                    Thread.Sleep(20);
                    continue;
                }

                if (read <= 0)
                {
                    return;
                }

                lock (_transcript)
                {
                    _transcript.Append(Encoding.UTF8.GetString(buffer, 0, read));
                }
            }
        }
        catch (LibvirtException)
        {
            // The guest went away: the transcript keeps what was read.
        }
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    public void Dispose()
    {
        _stop.Cancel();
        _reader.Join(TimeSpan.FromSeconds(2));
        try
        {
            _stream.Abort();
        }
        catch (LibvirtException)
        {
            // Already closed by the guest's end.
        }

        _stream.Dispose();
        _connection.Dispose();
        _stop.Dispose();
    }
}
