using System.Net.WebSockets;

namespace Simplestack.Server.Consoles;

/// <summary>
/// Moves a console's bytes between a WebSocket and the driver's console stream, both ways, each
/// way one message at a time: the next message is read only once the previous one was written, so
/// a slow side slows the other down and nothing piles up (the client's messages are limited to
/// <c>maxMessageBytes</c>; a larger one closes with 1009). Either end stopping ends both: the
/// console ending closes the WebSocket with 1000, the client closing (or vanishing) closes the console.
/// </summary>
public static class ConsolePump
{
    private const int ChunkBytes = 16 * 1024;
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(WebSocket socket, Stream console, int maxMessageBytes, CancellationToken aborted)
    {
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var toClient = ToClientAsync(socket, console, stopReading.Token, aborted);
        var fromClient = FromClientAsync(socket, console, maxMessageBytes, aborted);
        var first = await Task.WhenAny(toClient, fromClient);

        (WebSocketCloseStatus Status, string Reason)? close;
        if (first == toClient)
        {
            // The console ended: say so, then give the client a moment to answer the close.
            close = await toClient;
            if (close is { } ended && socket.State == WebSocketState.Open)
            {
                await TryCloseOutputAsync(socket, ended.Status, ended.Reason, aborted);
                await Task.WhenAny(fromClient, Task.Delay(CloseGrace, aborted).ContinueWith(_ => { }, TaskScheduler.Default));
            }

            socket.Abort();
            await Observe(fromClient);
            return;
        }

        close = await fromClient;
        await stopReading.CancelAsync();
        await Observe(toClient);
        if (close is { } answer && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await TryCloseOutputAsync(socket, answer.Status, answer.Reason, aborted);
            await AwaitClientCloseAsync(socket, aborted);
        }
    }

    /// <summary>After closing first (a message too large), reads what the client still sends, briefly, until its close.</summary>
    private static async Task AwaitClientCloseAsync(WebSocket socket, CancellationToken aborted)
    {
        var discard = new byte[ChunkBytes];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        limit.CancelAfter(CloseGrace);
        try
        {
            while (socket.State == WebSocketState.CloseSent)
            {
                await socket.ReceiveAsync(discard.AsMemory(), limit.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went without answering the close.
        }
    }

    /// <summary>Console to client; answers how to close when the console ends, null when stopped or the socket failed.</summary>
    private static async Task<(WebSocketCloseStatus, string)?> ToClientAsync(WebSocket socket, Stream console, CancellationToken stopReading, CancellationToken aborted)
    {
        var buffer = new byte[ChunkBytes];
        try
        {
            while (true)
            {
                var read = await console.ReadAsync(buffer, stopReading);
                if (read == 0)
                {
                    return (WebSocketCloseStatus.NormalClosure, "The console has closed.");
                }

                await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: true, aborted);
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or WebSocketException or ObjectDisposedException)
        {
            return socket.State == WebSocketState.Open ? (WebSocketCloseStatus.NormalClosure, "The console has closed.") : null;
        }
    }

    /// <summary>Client to console; answers how to close when the client stops, null when the socket failed.</summary>
    private static async Task<(WebSocketCloseStatus, string)?> FromClientAsync(WebSocket socket, Stream console, int maxMessageBytes, CancellationToken aborted)
    {
        var buffer = new byte[maxMessageBytes];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    if (length == buffer.Length)
                    {
                        return (WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {maxMessageBytes} bytes.");
                    }

                    received = await socket.ReceiveAsync(buffer.AsMemory(length), aborted);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return (WebSocketCloseStatus.NormalClosure, "Closed.");
                    }

                    length += received.Count;
                }
                while (!received.EndOfMessage);

                // Text messages (a terminal's keys) and binary ones (RFB) alike are the console's bytes.
                await console.WriteAsync(buffer.AsMemory(0, length), aborted);
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return (WebSocketCloseStatus.NormalClosure, "The console has closed.");
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    private static async Task TryCloseOutputAsync(WebSocket socket, WebSocketCloseStatus status, string reason, CancellationToken aborted)
    {
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            limit.CancelAfter(CloseGrace);
            await socket.CloseOutputAsync(status, reason, limit.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone: nothing to tell it.
        }
    }

    private static async Task Observe(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // Its result no longer matters: the other direction decided how the console closes.
        }
    }
}
