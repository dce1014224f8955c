using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Simplestack.Drivers.VSphere.Tests.Vcsim;

/// <summary>What <c>eng/vcsim/run.sh</c> is asked to simulate.</summary>
public sealed record VcsimOptions
{
    /// <summary>A standalone ESX host instead of vCenter.</summary>
    public bool Esx { get; init; }

    /// <summary>VMs added to the default inventory (bench-0001 ...), powered on.</summary>
    public int Vms { get; init; }

    public string User { get; init; } = "root";

    public string Password { get; init; } = "simplestack";

    /// <summary>The port to listen on (a restart on the same address); unset, a free one.</summary>
    public int? Port { get; init; }

    /// <summary>PEM certificate and key to serve instead of one made per run (a restart keeps the pin).</summary>
    public (string Certificate, string Key)? TlsFiles { get; init; }
}

/// <summary>
/// One vcsim, started by <c>eng/vcsim/run.sh</c> on a free loopback port, as a person would start
/// it. Disposing stops it with SIGTERM and checks that it exited 0 and removed its datastore
/// folders. A missing Go, govmomi or vcsim build makes <see cref="StartAsync"/> throw with the
/// script's own message (which names the Debian packages), so tests fail rather than skip.
/// </summary>
public sealed partial class VcsimProcess : IAsyncDisposable
{
    // The first run may install Go and build the launcher (about a minute on two cores);
    // eng/test.sh builds it before the tests, so this is only the worst case.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _errors;
    private bool _disposed;

    private VcsimProcess(Process process, StringBuilder errors, VcsimOptions options, Uri url, Match ready)
    {
        _process = process;
        _errors = errors;
        Options = options;
        Url = url;
        CertificateSha256 = ready.Groups["sha256"].Value;
        VmCount = int.Parse(ready.Groups["vms"].Value, CultureInfo.InvariantCulture);
        DatastoreFolders = ready.Groups["datastores"].Value.Split(' ');
    }

    public static string ProjectDirectory { get; } = typeof(VcsimProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;

    public static string RepositoryRoot { get; } = Path.GetFullPath(Path.Combine(ProjectDirectory, "..", ".."));

    public VcsimOptions Options { get; }

    /// <summary>The SDK endpoint, <c>https://127.0.0.1:PORT/sdk</c>, as run.sh printed it.</summary>
    public Uri Url { get; }

    public int Port => Url.Port;

    public string User => Options.User;

    public string Password => Options.Password;

    /// <summary>SHA-256 of the certificate's DER bytes, 64 upper-case hex digits: the gateway's pin.</summary>
    public string CertificateSha256 { get; }

    /// <summary>VMs in the inventory when it started (the default model's plus <see cref="VcsimOptions.Vms"/>).</summary>
    public int VmCount { get; }

    /// <summary>The local folders behind the datastores (each VM's .vmx and disks).</summary>
    public IReadOnlyList<string> DatastoreFolders { get; }

    public int ProcessId => _process.Id;

    /// <summary>What the process wrote on stderr so far (simulator logs), for failure messages.</summary>
    public string StandardError
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public static async Task<VcsimProcess> StartAsync(VcsimOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new VcsimOptions();
        // A free port can be taken by someone else before vcsim listens on it: try another.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(options, options.Port ?? FreePort(), cancellationToken);
            }
            catch (PortTakenException) when (attempt < 3 && options.Port is null)
            {
            }
        }
    }

    /// <summary>Sends SIGTERM and waits for the exit; returns the exit code.</summary>
    public async Task<int> StopAsync(CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited && Kill(_process.Id, SigTerm) != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"vcsim (pid {_process.Id}) did not stop within {StopTimeout} of SIGTERM.");
        }

        return _process.ExitCode;
    }

    /// <summary>
    /// Kills vcsim with SIGKILL, as a crash would (no clean-up of its own), waits for the exit and
    /// removes the folder its datastores were in; disposing afterwards does nothing more.
    /// </summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited && Kill(_process.Id, SigKill) != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGKILL) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        await _process.WaitForExitAsync(cancellationToken);
        foreach (var root in DatastoreFolders.Select(Path.GetDirectoryName).Distinct())
        {
            // run.sh's launcher keeps every datastore in one folder of its own (simplestack-vcsim-*).
            if (root is not null && Path.GetFileName(root).StartsWith("simplestack-vcsim-", StringComparison.Ordinal) && Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>Freezes vcsim (SIGSTOP): connections stay open and nothing answers, as a hung host.</summary>
    public void Freeze() => Signal(SigStop);

    /// <summary>Lets a frozen vcsim run again (SIGCONT).</summary>
    public void Thaw() => Signal(SigCont);

    private void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Stops vcsim if it runs; throws if it did not exit 0 or left its files behind.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_process.HasExited && _process.ExitCode == 128 + SigKill)
            {
                return; // Killed on purpose (KillAsync), which removed its files.
            }

            var exitCode = await StopAsync();
            var left = DatastoreFolders.Where(Directory.Exists).ToList();
            if (exitCode != 0 || left.Count > 0)
            {
                throw new InvalidOperationException(
                    $"vcsim exited with {exitCode}, leaving [{string.Join(", ", left)}]; stderr:\n{StandardError}");
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static async Task<VcsimProcess> StartOnceAsync(VcsimOptions options, int port, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "eng", "vcsim", "run.sh"));
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        if (options.Esx)
        {
            start.ArgumentList.Add("--esx");
        }

        var arguments = new List<(string, string)> { ("--vms", options.Vms.ToString(CultureInfo.InvariantCulture)), ("--user", options.User), ("--password", options.Password) };
        if (options.TlsFiles is { } tls)
        {
            arguments.Add(("--tls-cert", tls.Certificate));
            arguments.Add(("--tls-key", tls.Key));
        }

        foreach (var (name, value) in arguments)
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(value);
        }

        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                url.TrySetResult(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (errors)
            {
                errors.AppendLine(e.Data);
            }

            if (ReadyLine().Match(e.Data) is { Success: true } match)
            {
                ready.TrySetResult(match);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            var exited = process.WaitForExitAsync(timeout.Token);
            // run.sh prints the URL on stdout, then the line with the pin on stderr.
            var both = Task.WhenAll(url.Task, ready.Task);
            await Task.WhenAny(both, exited);
            if (!both.IsCompleted)
            {
                string said;
                lock (errors)
                {
                    said = errors.ToString();
                }

                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new TimeoutException($"eng/vcsim/run.sh printed no URL within {StartTimeout}; stderr:\n{said}");
                }

                if (said.Contains("cannot listen on", StringComparison.Ordinal))
                {
                    throw new PortTakenException();
                }

                throw new InvalidOperationException(
                    $"eng/vcsim/run.sh exited with {process.ExitCode} before printing its URL " +
                    $"(it needs Debian's golang-go and golang-github-vmware-govmomi-dev); stderr:\n{said}");
            }

            var match = await ready.Task;
            var printed = await url.Task;
            var expected = $"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/sdk";
            if (printed != expected || match.Groups["url"].Value != expected)
            {
                throw new InvalidOperationException($"eng/vcsim/run.sh printed {printed} ({match.Value}), expected {expected}.");
            }

            return new VcsimProcess(process, errors, options, new Uri(printed), match);
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            throw;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // vcsim: vCenter (VPX) https://127.0.0.1:PORT/sdk, 4 VMs, datastore DIR [DIR ...], certificate sha256 HEX
    [GeneratedRegex(@"^vcsim: (?<kind>.+) (?<url>https://\S+), (?<vms>\d+) VMs, datastore (?<datastores>.+), certificate sha256 (?<sha256>[0-9A-F]{64})$")]
    private static partial Regex ReadyLine();

    private const int SigTerm = 15;
    private const int SigKill = 9;
    private const int SigStop = 19;
    private const int SigCont = 18;

    /// <summary>kill(2): .NET has no way to send SIGTERM to another process.</summary>
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed class PortTakenException : Exception;
}

/// <summary>
/// A vcsim shared by the tests of one class (xunit class fixture); stopped, and its clean exit
/// checked, after the last of them.
/// </summary>
public class VcsimFixture(VcsimOptions options) : IAsyncLifetime
{
    private VcsimProcess? _vcsim;

    public VcsimProcess Vcsim => _vcsim ?? throw new InvalidOperationException("vcsim is not started.");

    public async ValueTask InitializeAsync() => _vcsim = await VcsimProcess.StartAsync(options);

    public async ValueTask DisposeAsync()
    {
        if (_vcsim is not null)
        {
            await _vcsim.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>vCenter with the default inventory: datacenter DC0, cluster DC0_C0 (3 hosts), host DC0_H0, 4 VMs.</summary>
public sealed class VcsimVpxFixture() : VcsimFixture(new VcsimOptions());

/// <summary>A standalone ESX host with the default inventory: ha-datacenter, ha-host, 2 VMs.</summary>
public sealed class VcsimEsxFixture() : VcsimFixture(new VcsimOptions { Esx = true });
