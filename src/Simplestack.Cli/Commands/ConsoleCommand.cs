using System.CommandLine;
using System.Diagnostics;
using System.Net.WebSockets;
using Simplestack.Client.Operations;

namespace Simplestack.Cli.Commands;

/// <summary>
/// <c>simplestack guest console GUEST</c>: the terminal attached to the guest's serial console
/// through the gateway's WebSocket, as <c>virsh console</c> and <c>incus console</c> do. On a
/// terminal, input is raw (every key goes to the guest, Ctrl+C included) and Ctrl+] leaves. With
/// input from a pipe, its bytes are sent, and the console is left once the guest has been quiet
/// for a moment after the input ended, so a script can type commands and read the answers.
/// </summary>
internal static class ConsoleCommand
{
    private const byte Escape = 0x1d; // Ctrl+]
    private static readonly TimeSpan QuietAfterInput = TimeSpan.FromSeconds(1);

    public static Command Build(SimplestackCli cli)
    {
        var id = GuestCommands.GuestArgument();
        var force = new Option<bool>("--force") { Description = "Take the console over from another session that holds it" };
        var command = new Command("console", "Attach the terminal to a guest's serial console (Ctrl+] leaves)") { id, force };
        cli.Action(command, async (context, ct) =>
        {
            var environment = context.Cli.Environment;
            var consoles = context.Client.Consoles;
            if (environment.WebSocketConnector is { } connector)
            {
                consoles.Connector = connector;
            }

            var guest = context.Get(id);
            using var socket = await consoles.OpenAsync(guest, ConsoleType.Serial, context.Get(force), ct);
            await environment.Error.WriteLineAsync(
                environment.InputIsTerminal ? $"Connected to guest {guest} (escape character is ^])" : $"Connected to guest {guest}");
            await environment.Error.FlushAsync(ct);
            using var raw = environment.InputIsTerminal ? RawTerminal.Enter() : null;
            await AttachAsync(socket, environment.OpenInput(), environment.OpenOutput(), environment.InputIsTerminal, ct);
            if (environment.InputIsTerminal)
            {
                await environment.Error.WriteLineAsync();
            }
        });
        return command;
    }

    private static async Task AttachAsync(WebSocket socket, Stream input, Stream output, bool terminal, CancellationToken ct)
    {
        var lastOutput = Stopwatch.StartNew();
        var fromGuest = Task.Run(
            async () =>
            {
                var buffer = new byte[16 * 1024];
                while (socket.State == WebSocketState.Open)
                {
                    var received = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    await output.WriteAsync(buffer.AsMemory(0, received.Count), ct);
                    await output.FlushAsync(ct);
                    lastOutput.Restart();
                }
            },
            ct);

        // Standard input cannot be cancelled on every platform: its reads run apart, and the
        // command ends when the guest's side does, whatever input is still waiting.
        var toGuest = Task.Run(
            async () =>
            {
                var buffer = new byte[4096];
                while (true)
                {
                    var read = await input.ReadAsync(buffer.AsMemory(), ct);
                    if (read == 0)
                    {
                        // Piped input ended: leave once the guest has answered and gone quiet.
                        while (!fromGuest.IsCompleted && lastOutput.Elapsed < QuietAfterInput)
                        {
                            await Task.Delay(100, ct);
                        }

                        return;
                    }

                    var escape = terminal ? Array.IndexOf(buffer, Escape, 0, read) : -1;
                    var length = escape >= 0 ? escape : read;
                    if (length > 0)
                    {
                        await socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Binary, endOfMessage: true, ct);
                        lastOutput.Restart();
                    }

                    if (escape >= 0)
                    {
                        return;
                    }
                }
            },
            ct);

        await Task.WhenAny(fromGuest, toGuest);
        if (socket.State == WebSocketState.Open)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, limit.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The gateway went first.
            }
        }

        if (fromGuest.IsFaulted && fromGuest.Exception.InnerException is not (WebSocketException or OperationCanceledException))
        {
            await fromGuest;
        }
    }

    /// <summary>The terminal in raw mode (<c>stty raw -echo</c>) while it lives, restored as it was on disposal.</summary>
    private sealed class RawTerminal : IDisposable
    {
        private readonly string _saved;

        private RawTerminal(string saved) => _saved = saved;

        public static RawTerminal? Enter()
        {
            if (OperatingSystem.IsWindows())
            {
                return null;
            }

            var saved = Stty("-g");
            if (saved is null)
            {
                return null;
            }

            Stty("raw -echo");
            return new RawTerminal(saved.Trim());
        }

        public void Dispose() => Stty(_saved);

        /// <summary>Runs stty on the inherited terminal; its output, or null when it failed.</summary>
        private static string? Stty(string arguments)
        {
            try
            {
                var start = new ProcessStartInfo("stty", arguments) { RedirectStandardOutput = true, UseShellExecute = false };
                using var stty = Process.Start(start);
                if (stty is null)
                {
                    return null;
                }

                var text = stty.StandardOutput.ReadToEnd();
                stty.WaitForExit();
                return stty.ExitCode == 0 ? text : null;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
    }
}
