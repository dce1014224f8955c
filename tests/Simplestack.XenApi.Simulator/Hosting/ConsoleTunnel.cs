using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.WebUtilities;
using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Semantics;

namespace Simplestack.XenApi.Simulator.Hosting;

/// <summary>
/// xapi's console handler (console.ml): <c>CONNECT /console?ref=CONSOLE_OR_VM&amp;session_id=...</c>
/// answers <c>HTTP/1.1 200 OK</c> and the socket then carries the console's raw protocol. Kestrel
/// has no use for a CONNECT with a path, so this sits in front of it on each connection (after
/// TLS): a connection that does not start with CONNECT goes on to HTTP untouched.
/// </summary>
internal static class ConsoleTunnel
{
    private const int MaxHead = 16 * 1024;
    private static readonly byte[] Connect = "CONNECT "u8.ToArray();

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(SimulatorState state) => next => async connection =>
    {
        var input = connection.Transport.Input;
        var examined = false; // once bytes are examined, Kestrel could no longer be handed them afresh
        while (true)
        {
            var read = await input.ReadAsync(connection.ConnectionClosed).ConfigureAwait(false);
            var buffer = read.Buffer;
            var start = buffer.Slice(0, Math.Min(buffer.Length, Connect.Length)).ToArray();
            var mayBeConnect = Connect.AsSpan(0, start.Length).SequenceEqual(start);
            if (mayBeConnect && start.Length < Connect.Length && !read.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End); // too few bytes to tell yet
                examined = true;
                continue;
            }
            if (!mayBeConnect || start.Length < Connect.Length)
            {
                if (examined)
                {
                    return; // began like CONNECT and then was not: no valid request, the connection closes
                }
                input.AdvanceTo(buffer.Start); // nothing examined: Kestrel reads it all again
                await next(connection).ConfigureAwait(false);
                return;
            }
            var end = HeadLength(buffer);
            if (end < 0)
            {
                if (read.IsCompleted || buffer.Length > MaxHead)
                {
                    return;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                examined = true;
                continue;
            }
            var head = Encoding.ASCII.GetString(buffer.Slice(0, end).ToArray());
            input.AdvanceTo(buffer.GetPosition(end));
            await ServeAsync(state, head, input.AsStream(leaveOpen: true), connection.Transport.Output.AsStream(leaveOpen: true), connection.ConnectionClosed).ConfigureAwait(false);
            return;
        }
    };

    private static async Task ServeAsync(SimulatorState state, string head, Stream input, Stream output, CancellationToken closed)
    {
        var target = head.Split("\r\n")[0].Split(' ') is { Length: 3 } line ? line[1] : "";
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? target : target[..question];
        var query = QueryHelpers.ParseQuery(question < 0 ? "" : target[question..]);
        string? status = null, protocol = null, vmName = null, consoleRef = null;
        lock (state.Store.Sync)
        {
            var session = query.TryGetValue("session_id", out var s) ? s.ToString() : "";
            if (path != "/console")
            {
                status = "404 Not Found";
            }
            else if (!IsValidSession(state, session))
            {
                status = "401 Unauthorised\r\nWWW-Authenticate: Basic realm=\"xapi\"";
            }
            else if (FindConsole(state, query.TryGetValue("ref", out var r) ? r.ToString() : "") is not { } console)
            {
                status = "404 Not Found"; // console.ml: neither a VM ref nor a console ref
            }
            else
            {
                var record = state.Store.Get("console", console);
                var vm = state.Store.Get("VM", (string)record["VM"]!);
                if ((string)vm["power_state"]! != "Running")
                {
                    status = "503 Service Unavailable"; // console.ml: the VM is not running here, so nothing to proxy to
                }
                else
                {
                    (protocol, vmName, consoleRef) = ((string)record["protocol"]!, (string)vm["name_label"]!, console);
                }
            }
        }
        if (protocol is null)
        {
            await WriteAsync(output, $"HTTP/1.1 {status}\r\nConnection: close\r\nCache-Control: no-cache, no-store\r\n\r\n", closed).ConfigureAwait(false);
            return;
        }
        await WriteAsync(output, "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nCache-Control: no-cache, no-store\r\n\r\n", closed).ConfigureAwait(false);
        // The domain ending (its console object goes) ends the console, as the real proxy's far end closing does.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(closed, state.Stopping);
        var watcher = WatchUntilGoneAsync(state, consoleRef!, ended);
        try
        {
            await (protocol == "rfb" ? RfbServer.ServeAsync(input, output, vmName!, ended.Token) : TextConsole.ServeAsync(input, output, vmName!, ended.Token)).ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or OperationCanceledException or ConnectionResetException)
        {
            // The client went away, or the guest's domain did: the console ends with it.
        }
        finally
        {
            await ended.CancelAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(false);
        }
    }

    private static async Task WatchUntilGoneAsync(SimulatorState state, string console, CancellationTokenSource ended)
    {
        try
        {
            while (!ended.IsCancellationRequested)
            {
                Task? change;
                lock (state.Store.Sync)
                {
                    change = state.Store.Exists("console", console) ? state.Store.NextChange : null;
                }
                if (change is null)
                {
                    await ended.CancelAsync().ConfigureAwait(false);
                    return;
                }
                await change.WaitAsync(ended.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static bool IsValidSession(SimulatorState state, string session)
    {
        try
        {
            state.Sessions.Validate(session);
            return true;
        }
        catch (XenApiException)
        {
            return false;
        }
    }

    /// <summary>A console ref, or a VM ref meaning its rfb console (console.ml's default_console_of_vm).</summary>
    private static string? FindConsole(SimulatorState state, string reference)
    {
        if (state.Store.Exists("console", reference))
        {
            return reference;
        }
        if (!state.Store.Exists("VM", reference))
        {
            return null;
        }
        return Wire.AsList(state.Store.Get("VM", reference)["consoles"]).Select(Wire.AsString)
            .FirstOrDefault(c => (string)state.Store.Get("console", c)["protocol"]! == "rfb");
    }

    private static int HeadLength(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true) ? (int)reader.Consumed : -1;
    }

    internal static async Task WriteAsync(Stream output, string text, CancellationToken cancellation)
    {
        await output.WriteAsync(Encoding.ASCII.GetBytes(text), cancellation).ConfigureAwait(false);
        await output.FlushAsync(cancellation).ConfigureAwait(false);
    }
}
