using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Simplestack.IntegrationTests;

/// <summary>
/// A guest's console as a client of the gateway sees it: a WebSocket on
/// <c>.../guests/{id}/console</c>, read on a background task into a transcript. Commands are typed
/// and their output read back between markers whose typed form never matches (as <see cref="GuestConsole"/>).
/// </summary>
public sealed class ConsoleWebSocket : IAsyncDisposable
{
    private readonly StringBuilder _transcript = new();
    private readonly MemoryStream _bytes = new();
    private readonly Task _reader;
    private int _commands;

    private ConsoleWebSocket(WebSocket socket)
    {
        Socket = socket;
        _reader = Task.Run(ReadLoopAsync);
    }

    public WebSocket Socket { get; }

    /// <summary>How the server closed the WebSocket, once it has.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public Task Closed => _reader;

    public static async Task<ConsoleWebSocket> OpenAsync(WebApplicationFactory<Program> gateway, string path, CancellationToken cancellationToken, params string[] subprotocols)
    {
        var client = gateway.Server.CreateWebSocketClient();
        foreach (var subprotocol in subprotocols)
        {
            client.SubProtocols.Add(subprotocol);
        }

        var socket = await client.ConnectAsync(new Uri("ws://localhost" + path), cancellationToken);
        return new ConsoleWebSocket(socket);
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

    public byte[] Bytes
    {
        get
        {
            lock (_transcript)
            {
                return _bytes.ToArray();
            }
        }
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public Task SendAsync(byte[] bytes) => Socket.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);

    public async Task WaitForAsync(Func<string, bool> seen, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!seen(Transcript))
        {
            if (DateTime.UtcNow > deadline)
            {
                var tail = Transcript;
                throw new TimeoutException($"{what} did not come within {timeout.TotalSeconds:0} s. Console so far:\n{(tail.Length > 3000 ? tail[^3000..] : tail)}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until a shell answers: types an echo of a marker (split so the typed line never matches) every few seconds.</summary>
    public async Task WaitForShellAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await SendAsync("\necho 'SHELL-''READY'\n");
            try
            {
                await WaitForAsync(t => t.Contains("SHELL-READY", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "A shell");
                return;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
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
        await SendAsync($"echo '<<B{id}''>>'; {command}; echo '<<E{id}''>>'\n");
        await WaitForAsync(t => t.IndexOf(end, start, StringComparison.Ordinal) >= 0, timeout ?? TimeSpan.FromSeconds(30), $"The answer to '{command}'");
        var transcript = Transcript[start..];
        var from = transcript.IndexOf(begin, StringComparison.Ordinal) + begin.Length;
        var to = transcript.IndexOf(end, from, StringComparison.Ordinal);
        return transcript[from..to].Replace("\r", string.Empty, StringComparison.Ordinal).Trim();
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var received = await Socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = received.CloseStatus;
                    try
                    {
                        if (Socket.State == WebSocketState.CloseReceived)
                        {
                            await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                        }
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException or WebSocketException)
                    {
                        // The server had ended the connection after its close: nothing to answer.
                    }

                    return;
                }

                lock (_transcript)
                {
                    _bytes.Write(buffer, 0, received.Count);
                    _transcript.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
                }
            }
        }
        catch (WebSocketException)
        {
            // The connection went away without a close: CloseStatus stays null.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, limit.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }

        await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(5)));
        Socket.Dispose();
        _bytes.Dispose();
    }
}
