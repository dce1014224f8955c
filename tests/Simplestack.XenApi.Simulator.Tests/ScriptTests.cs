using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>
/// The scripts a person runs, run as that person would: <c>eng/xenapi-sim/run.sh PORT</c> prints
/// its URL once it answers XenAPI and stops on SIGTERM; <c>eng/tls-pin.sh</c> prints the pin the
/// gateway needs for it.
/// </summary>
public sealed class ScriptTests
{
    private static readonly string RepositoryRoot = Path.GetFullPath(Path.Combine(ClientProcess.Directory, "..", ".."));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_sh_serves_xenapi_on_the_port_prints_its_url_and_stops_on_sigterm()
    {
        var port = FreePort();
        using var simulator = Start("eng/xenapi-sim/run.sh", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--vms", "2");
        var errors = new StringBuilder();
        simulator.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        simulator.BeginErrorReadLine();
        try
        {
            // The first run builds the simulator: allow for it.
            using var ready = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            ready.CancelAfter(TimeSpan.FromMinutes(3));
            var url = await simulator.StandardOutput.ReadLineAsync(ready.Token);
            Assert.Equal($"https://127.0.0.1:{port}/", url);

            // Whatever it presents is accepted here and checked against the pin below.
            string? presented = null;
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate is null ? null : Convert.ToHexString(SHA256.HashData(certificate.RawData));
                    return true;
                },
            };
            using var http = new HttpClient(handler);
            var session = (await CallAsync(http, url!, "session.login_with_password", "root", "simplestack", "1.1", "test")).GetString()!;
            var vms = await CallAsync(http, url!, "VM.get_all_records", session);
            var names = vms.EnumerateObject().Select(vm => vm.Value.GetProperty("name_label").GetString()).ToList();
            Assert.Contains("web-01", names);
            Assert.Equal(2, names.Count(n => n!.StartsWith("bench-", StringComparison.Ordinal)));

            // The pin the README tells people to give the gateway is the certificate run.sh reports.
            var pin = await RunToEndAsync("eng/tls-pin.sh", $"127.0.0.1:{port}");
            string reported;
            lock (errors)
            {
                reported = errors.ToString();
            }

            Assert.Matches("^[0-9A-F]{64}$", pin);
            Assert.Equal(presented, pin);
            Assert.Contains($"certificate sha256 {pin}", reported, StringComparison.Ordinal);

            Assert.Equal(0, Sys.Kill(simulator.Id, Sys.SigTerm));
            using var stopped = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            stopped.CancelAfter(TimeSpan.FromSeconds(20));
            await simulator.WaitForExitAsync(stopped.Token);
            Assert.Equal(0, simulator.ExitCode);
        }
        finally
        {
            if (!simulator.HasExited)
            {
                simulator.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Run_sh_without_a_port_prints_its_usage_and_exits_2()
    {
        using var script = Start("eng/xenapi-sim/run.sh");
        var errors = await script.StandardError.ReadToEndAsync(Ct);
        await script.WaitForExitAsync(Ct);
        Assert.Equal(2, script.ExitCode);
        Assert.StartsWith("usage:", errors, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> CallAsync(HttpClient http, string url, string method, params string[] parameters)
    {
        var body = JsonSerializer.Serialize(new { jsonrpc = "2.0", method, @params = parameters, id = 1 });
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(new Uri(url), "jsonrpc"), content, Ct);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.True(answer.RootElement.TryGetProperty("result", out var result), answer.RootElement.ToString());
        return result.Clone();
    }

    private static Process Start(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static async Task<string> RunToEndAsync(string script, params string[] arguments)
    {
        using var process = Start(script, arguments);
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        var errors = await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"{script} exited with {process.ExitCode}: {errors}");
        return output.Trim();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>kill(2): .NET has no way to send SIGTERM to another process.</summary>
    private static class Sys
    {
        public const int SigTerm = 15;

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}
