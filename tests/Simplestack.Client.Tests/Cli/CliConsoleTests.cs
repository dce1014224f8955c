using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Simplestack.Cli;
using Simplestack.Client.Models;
using Simplestack.Client.Operations;

namespace Simplestack.Client.Tests.Cli;

/// <summary>
/// <c>simplestack guest console</c> and the SDK's console, over a real socket (the gateway on
/// Kestrel, loopback): refusals come back as the SDK's errors and the tool's exit codes; on a real
/// QEMU guest (the substrate), a command piped into the tool is answered on its output.
/// </summary>
public sealed class CliConsoleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_test_hypervisor_has_no_console_the_sdk_throws_and_the_tool_fails()
    {
        await using var gateway = new KestrelGateway("test/default");
        using var sdk = SimplestackClient.Create(gateway.Url, SimplestackTarget.Test);
        var refused = await Assert.ThrowsAsync<FeatureNotImplementedException>(() => sdk.Consoles.OpenAsync("test", cancellationToken: Ct));
        Assert.Equal(501, (int)refused.Status);
        await Assert.ThrowsAsync<FeatureNotImplementedException>(() => sdk.Consoles.CreateTicketAsync("test", ConsoleType.Vnc, cancellationToken: Ct));

        var run = await RunCliAsync(gateway, "test", "default", input: "echo hi\n", "guest", "console", "test");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("501", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task A_command_piped_into_the_tool_is_answered_by_a_real_guest()
    {
        Substrate.Require();
        await using var gateway = new KestrelGateway("kvm/localhost");
        using var sdk = SimplestackClient.Create(gateway.Url, new SimplestackTarget("kvm", "localhost"));
        var name = $"ss-cli-{Guid.NewGuid():N}"[..14];
        var guest = await sdk.Guests.CreateAsync(
            new GuestCreateRequest { Name = name, Memory = 256, Cpus = 1, Cdrom = "simplestack-guest.iso", Disks = [new DiskSpec { Size = 1 }], DomainType = "qemu", Start = true },
            Ct);
        try
        {
            // The SDK's WebSocket first, until the guest's shell answers (it boots meanwhile).
            using (var socket = await sdk.Consoles.OpenAsync(guest.Id, cancellationToken: Ct))
            {
                await WaitForShellAsync(socket);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Ct);
            }

            var run = await RunCliAsync(gateway, "kvm", "localhost", input: "echo cli-$((6*7))\n", "guest", "console", guest.Id);
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Contains("cli-42", run.Output, StringComparison.Ordinal);
            Assert.Contains($"Connected to guest {guest.Id}", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            await sdk.Power.SetAsync(guest.Id, PowerAction.ForceStop, null, CancellationToken.None);
            await sdk.Guests.DeleteAsync(guest.Id, cancellationToken: CancellationToken.None);
        }
    }

    /// <summary>Types an echo of a marker every few seconds until the guest's shell answers it.</summary>
    private static async Task WaitForShellAsync(WebSocket socket)
    {
        var seen = new StringBuilder();
        bool Ready()
        {
            lock (seen)
            {
                return seen.ToString().Contains("SHELL-READY", StringComparison.Ordinal);
            }
        }

        var reading = Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            while (!Ready())
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), Ct);
                Assert.NotEqual(WebSocketMessageType.Close, received.MessageType);
                lock (seen)
                {
                    seen.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
                }
            }
        });
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (!Ready())
        {
            Assert.True(DateTime.UtcNow < deadline && !reading.IsFaulted, "no shell on the console within 180 s:\n" + seen);
            await socket.SendAsync("\necho 'SHELL-''READY'\n"u8.ToArray(), WebSocketMessageType.Binary, true, Ct);
            await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(5), Ct));
        }

        await reading;
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunCliAsync(KestrelGateway gateway, string hypervisor, string host, string input, params string[] args)
    {
        var config = Path.Combine(Path.GetTempPath(), $"simplestack-console-{Guid.NewGuid():N}.cfg");
        File.WriteAllText(config, $"""
            [default]
            gateway_url = {gateway.Url}
            hypervisor = {hypervisor}
            host = {host}
            """);
        try
        {
            var error = new StringWriter();
            var output = new MemoryStream();
            var cli = new SimplestackCli(new CliEnvironment
            {
                Out = new StringWriter(),
                Error = error,
                OpenInput = () => new MemoryStream(Encoding.UTF8.GetBytes(input)),
                OpenOutput = () => output,
                Variables = _ => null,
            });
            var code = await cli.RunAsync(["--config", config, .. args], Ct);
            return (code, Encoding.UTF8.GetString(output.ToArray()), error.ToString());
        }
        finally
        {
            File.Delete(config);
        }
    }

    /// <summary>The gateway on Kestrel, on a loopback port of its own, allowing one target.</summary>
    private sealed class KestrelGateway : WebApplicationFactory<Program>
    {
        private readonly string _target;

        public KestrelGateway(string target)
        {
            _target = target;
            UseKestrel(0);
            StartServer();
        }

        public Uri Url => ClientOptions.BaseAddress;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseUrls("http://127.0.0.1:0");
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Simplestack:AllowedTargets:0"] = _target,
                ["Simplestack:Libvirt:DefaultDomainType"] = "qemu",
            }));
        }
    }
}
