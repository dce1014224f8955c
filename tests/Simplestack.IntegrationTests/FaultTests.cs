using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Simplestack.Libvirt;
using Simplestack.Server.Connections;

namespace Simplestack.IntegrationTests;

/// <summary>
/// Hypervisor faults, on a libvirtd of the test's own (see <see cref="PrivateLibvirtd"/>): the
/// shared substrate's daemon is never touched. The gateway (Program, in process) is pointed at it
/// through <c>Simplestack:Libvirt:QemuLocalUri</c>, with short call and connect timeouts.
/// </summary>
public sealed class FaultTests : IAsyncLifetime
{
    private const int CallTimeoutSeconds = 5;
    private const int ConnectTimeoutSeconds = 5;

    private PrivateLibvirtd _daemon = null!;
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        PrivateLibvirtd.Require();
        _daemon = await PrivateLibvirtd.StartAsync(Ct);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Simplestack:Libvirt:QemuLocalUri", _daemon.Uri);
            web.UseSetting("Simplestack:Libvirt:CallTimeoutSeconds", CallTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            web.UseSetting("Simplestack:Libvirt:DefaultDomainType", "qemu");
            web.UseSetting("Simplestack:Libvirt:DefaultStoragePool", PrivateLibvirtd.PoolName);
            web.UseSetting("Simplestack:Connections:ConnectTimeout", $"00:00:{ConnectTimeoutSeconds:00}");
        });
        _http = _factory.CreateClient();
        _http.Timeout = TimeSpan.FromSeconds(60);
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        _daemon?.Dispose();
    }

    [Fact]
    public async Task Libvirtd_killed_under_load_answers_503_or_504_in_time_and_the_next_requests_succeed_once_it_is_back()
    {
        // Three rounds: the first settles what a process opens once (thread pool, event loop); the
        // file descriptors must then be the same after every further kill and restart.
        // Sockets are counted exactly (a leaked libvirt connection is a socket); all descriptors
        // within a small margin (the thread pool may grow by a thread's worth of descriptors).
        List<int> fds = [];
        List<int> sockets = [];
        for (var round = 0; round < 3; round++)
        {
            fds.Add(await KillUnderLoadAndRecoverAsync(round));
            sockets.Add(OpenSockets());
        }

        var line = $"gateway fds after each round: {string.Join(", ", fds)}; sockets: {string.Join(", ", sockets)}";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "fault-summary.txt"), line + "\n");
        Assert.All(sockets, count => Assert.Equal(sockets[0], count));
        Assert.InRange(fds[^1], 0, fds[0] + 4);
    }

    private async Task<int> KillUnderLoadAndRecoverAsync(int round)
    {
        string[] urls = ["/kvm/localhost/guests", "/kvm/localhost", "/kvm/localhost/storages", "/kvm/localhost/networks", "/kvm/localhost/hosts"];
        foreach (var url in urls)
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(url, Ct)).StatusCode);
        }

        var pool = _factory.Services.GetRequiredService<ConnectionPool>();
        var fdsBefore = OpenFds();
        var daemonClientsBefore = _daemon.ClientSockets();
        Assert.Equal(1, pool.Count);

        // Load: 8 workers, each request timed.
        var results = new ConcurrentBag<(long At, string Url, int Status, double Seconds, string Body)>();
        var clock = Stopwatch.StartNew();
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = w; !stopLoad.IsCancellationRequested; i++)
            {
                var url = urls[i % urls.Length];
                var started = clock.Elapsed;
                try
                {
                    using var response = await _http.GetAsync(url, CancellationToken.None);
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    results.Add(((long)started.TotalMilliseconds, url, (int)response.StatusCode, (clock.Elapsed - started).TotalSeconds, body));
                }
                catch (Exception e)
                {
                    results.Add(((long)started.TotalMilliseconds, url, -1, (clock.Elapsed - started).TotalSeconds, e.GetType().Name + ": " + e.Message));
                }
            }
        })).ToList();

        await Task.Delay(1500, Ct);
        var killedAt = (long)clock.Elapsed.TotalMilliseconds;
        _daemon.Kill();
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        await stopLoad.CancelAsync();
        await Task.WhenAll(workers);

        var during = results.Where(r => r.At >= killedAt + 200).ToList();
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"round {round}: {results.Count} requests; after the kill: " + string.Join(", ", during.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")));
        Assert.NotEmpty(during);
        var unclean = results.Where(r => r.Status is not (200 or 503 or 504)).ToList();
        Assert.True(unclean.Count == 0, "answers other than 200/503/504:\n" + string.Join("\n", unclean.Take(10).Select(r => $"{r.Url} {r.Status} {r.Body}")));
        Assert.Contains(during, r => r.Status is 503 or 504);
        var limit = CallTimeoutSeconds + ConnectTimeoutSeconds + 2;
        var slow = results.Where(r => r.Seconds > limit).ToList();
        Assert.True(slow.Count == 0, $"{slow.Count} answers took longer than {limit} s, e.g. {slow.FirstOrDefault()}");
        Assert.All(during.Where(r => r.Status != 200), r => Assert.Contains("\"error\":\"Hypervisor", r.Body, StringComparison.Ordinal));

        // Back: the very next requests succeed, on the same gateway.
        await _daemon.RestartAsync(Ct);
        var daemonClientsFresh = _daemon.ClientSockets();
        foreach (var url in urls)
        {
            var response = await _http.GetAsync(url, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} after the restart: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }

        // Nothing leaked: one pooled connection, one client on the new daemon, and the gateway's
        // file descriptors back where they were.
        await Task.Delay(500, Ct);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var fdsAfter = OpenFds();
        var daemonClientsAfter = _daemon.ClientSockets();
        File.AppendAllText(
            Path.Combine(AppContext.BaseDirectory, "fault-summary.txt"),
            $"round {round}: {results.Count} requests, after the kill " + string.Join(", ", during.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"))
            + $", slowest {results.Max(r => r.Seconds):0.00} s; fds {fdsBefore}->{fdsAfter}; daemon sockets idle {daemonClientsFresh} -> {daemonClientsAfter}\n");
        output?.WriteLine($"round {round}: gateway fds before {fdsBefore}, after {fdsAfter}; daemon sockets before the kill {daemonClientsBefore}, new daemon idle {daemonClientsFresh}, after {daemonClientsAfter}; pool {pool.Count}");
        Assert.Equal(1, pool.Count);
        Assert.InRange(daemonClientsAfter, daemonClientsFresh, daemonClientsFresh + 1);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(urls[i % urls.Length], Ct)).StatusCode);
        }

        Assert.Equal(daemonClientsAfter, _daemon.ClientSockets()); // one pooled connection, not one per request
        return fdsAfter;
    }

    [Fact]
    public async Task A_hung_libvirtd_answers_504_within_the_call_timeout_and_the_next_requests_succeed_once_it_resumes()
    {
        // Routes that ask libvirtd on every request (the guest list is answered from the inventory).
        string[] urls = ["/kvm/localhost", "/kvm/localhost/storages", "/kvm/localhost/networks", "/kvm/localhost/hosts"];
        foreach (var url in urls)
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(url, Ct)).StatusCode);
        }

        var pool = _factory.Services.GetRequiredService<ConnectionPool>();
        var daemonSockets = _daemon.ClientSockets();
        var socketsBefore = OpenSockets();
        var fdsBefore = FdKinds();

        // SIGSTOP: the daemon keeps its sockets open and answers nothing. More requests at once than
        // the driver's concurrent-call slots (16), so some wait for a slot behind hung calls.
        _daemon.Pause();
        (int Status, double Seconds, string Body)[] answers;
        try
        {
            answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
            {
                var watch = Stopwatch.StartNew();
                using var response = await _http.GetAsync(urls[i % urls.Length], CancellationToken.None);
                return ((int)response.StatusCode, watch.Elapsed.TotalSeconds, await response.Content.ReadAsStringAsync(CancellationToken.None));
            }));
        }
        finally
        {
            _daemon.Resume();
        }

        var line = $"hung daemon: {answers.Length} requests: " + string.Join(", ", answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"))
                   + $", {answers.Min(a => a.Seconds):0.00}-{answers.Max(a => a.Seconds):0.00} s";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "fault-summary.txt"), line + "\n");
        Assert.All(answers, a => Assert.True(a.Status == 504, $"{a.Status} after {a.Seconds:0.00} s: {a.Body}"));
        Assert.All(answers, a => Assert.Contains("\"error\":\"HypervisorTimeout\"", a.Body, StringComparison.Ordinal));
        Assert.All(answers, a => Assert.InRange(a.Seconds, CallTimeoutSeconds - 0.5, CallTimeoutSeconds + 2));

        // Resumed: the next requests succeed on the same pooled connection, and nothing leaked.
        foreach (var url in urls)
        {
            var response = await _http.GetAsync(url, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} after resuming: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }

        // One pooled connection, no new socket on either side; other descriptors (the call threads'
        // own, such as eventfds) may stay while those threads wait for more work.
        Assert.Equal(1, pool.Count);
        Assert.Equal(daemonSockets, _daemon.ClientSockets());
        await Task.Delay(500, Ct);
        Assert.Equal(socketsBefore, OpenSockets());
        var fdsAfter = FdKinds();
        var fdLine = $"hung daemon: gateway descriptors before: {fdsBefore}; after: {fdsAfter}";
        TestContext.Current.TestOutputHelper?.WriteLine(fdLine);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "fault-summary.txt"), fdLine + "\n");
    }

    private static string FdKinds() => string.Join(", ", Directory.GetFiles("/proc/self/fd")
        .Select(fd =>
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget ?? "?";
                return target.Contains(':', StringComparison.Ordinal) ? target[..target.IndexOf(':', StringComparison.Ordinal)] : target.StartsWith('/') ? "file" : target;
            }
            catch (IOException)
            {
                return "gone";
            }
        })
        .GroupBy(kind => kind)
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"{g.Key} {g.Count()}"));

    [Fact]
    public async Task A_create_that_fails_half_way_leaves_no_domain_and_no_volume()
    {
        using var native = LibvirtConnection.Open(_daemon.Uri);
        var volumesBefore = _daemon.VolumeNames(native);
        var domainsBefore = native.ListAllDomains().Select(d => { using (d) { return d.Name; } }).ToList();

        // Disks are made first; the missing network fails the define.
        var name1 = "ss-half-" + Guid.NewGuid().ToString("N")[..8];
        var response = await _http.PostAsync("/kvm/localhost/guests", Json($$"""
            {"name":"{{name1}}","memory":64,"disks":[{"size":0.01},{"size":0.01}],"network_interfaces":[{"network":"no-such-network"}]}
            """), Ct);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");

        // Disks made and the domain defined; starting it fails (this unprivileged daemon may not use /dev/kvm).
        var name2 = "ss-half-" + Guid.NewGuid().ToString("N")[..8];
        response = await _http.PostAsync("/kvm/localhost/guests", Json($$"""
            {"name":"{{name2}}","memory":64,"domain_type":"kvm","disks":[{"size":0.01}],"start":true}
            """), Ct);
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(Ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"missing network: answered; failing start: {status} {body}");
        Assert.True(status is >= 400 and not 500, $"{status} {body}");

        // A second disk in a pool that does not exist, after the first was made.
        var name3 = "ss-half-" + Guid.NewGuid().ToString("N")[..8];
        response = await _http.PostAsync("/kvm/localhost/guests", Json($$"""
            {"name":"{{name3}}","memory":64,"disks":[{"size":0.01},{"size":0.01,"storage_id":"no-such-pool"}]}
            """), Ct);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");

        foreach (var name in new[] { name1, name2, name3 })
        {
            using var domain = native.TryLookupDomainByName(name);
            Assert.Null(domain);
        }

        Assert.Equal(domainsBefore, native.ListAllDomains().Select(d => { using (d) { return d.Name; } }).ToList());
        Assert.Equal(volumesBefore, _daemon.VolumeNames(native));
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static int OpenFds() => Directory.GetFiles("/proc/self/fd").Length;

    private static int OpenSockets() => Directory.GetFiles("/proc/self/fd").Count(fd =>
    {
        try
        {
            return new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true;
        }
        catch (IOException)
        {
            return false;
        }
    });
}

/// <summary>
/// A libvirtd of the test's own: an unprivileged session daemon (run as <c>nobody</c>, with its
/// own runtime, config and pool folders under a temporary folder) reached through its own unix
/// socket. Killing it ends only the pid started here.
/// </summary>
public sealed class PrivateLibvirtd : IDisposable
{
    public const string PoolName = "fault-pool";

    private readonly DirectoryInfo _root;
    private Process? _process;

    private PrivateLibvirtd(DirectoryInfo root) => _root = root;

    public string Socket => Path.Combine(_root.FullName, "run", "libvirt", "libvirt-sock");

    public string Uri => $"qemu+unix:///session?socket={Socket}";

    public int Pid => _process?.Id ?? 0;

    public static void Require()
    {
        string? missing = null;
        if (Environment.UserName != "root")
        {
            missing = "the fault tests start a libvirtd of their own as user nobody, which needs root";
        }
        else if (!File.Exists("/usr/sbin/libvirtd") || !File.Exists("/usr/bin/setpriv"))
        {
            missing = "libvirtd or setpriv is not installed (eng/substrate/install-packages.sh)";
        }

        if (missing is not null)
        {
            if (Substrate.Required)
            {
                Assert.Fail(missing);
            }

            Assert.Skip(missing);
        }
    }

    public static async Task<PrivateLibvirtd> StartAsync(CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("simplestack-fault-");
        foreach (var dir in new[] { "run", "home", "config", "cache", "pool" })
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, dir));
        }

        Run("chmod", "755", root.FullName);
        Run("chown", "-R", "nobody:nogroup", root.FullName);
        var daemon = new PrivateLibvirtd(root);
        await daemon.RestartAsync(cancellationToken);
        using var native = LibvirtConnection.Open(daemon.Uri);
        using var pool = native.DefineStoragePool(Simplestack.Drivers.Libvirt.Xml.StoragePoolXml.BuildDirectory(PoolName, Path.Combine(root.FullName, "pool")));
        pool.Start();
        return daemon;
    }

    /// <summary>Starts the daemon (again, on the same folders and socket) and waits until it answers.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/usr/bin/setpriv")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/sbin/libvirtd" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["HOME"] = Path.Combine(_root.FullName, "home");
        start.Environment["XDG_RUNTIME_DIR"] = Path.Combine(_root.FullName, "run");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(_root.FullName, "config");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(_root.FullName, "cache");
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = LibvirtConnection.Open(Uri);
                return;
            }
            catch (LibvirtException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>SIGKILL to the daemon started here (setpriv execs it, so the pid is libvirtd's).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            Resume();
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>SIGSTOP: the daemon hangs with its sockets open (a wedged hypervisor).</summary>
    public void Pause() => Signal("-STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal("-CONT");

    private void Signal(string signal)
    {
        if (_process is { HasExited: false })
        {
            Run("kill", signal, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Unix sockets the daemon holds: its listeners plus one per connected client.</summary>
    public int ClientSockets()
    {
        var count = 0;
        foreach (var fd in Directory.GetFiles($"/proc/{Pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true)
                {
                    count++;
                }
            }
            catch (IOException)
            {
            }
        }

        return count;
    }

    public IReadOnlyList<string> VolumeNames(LibvirtConnection native)
    {
        using var pool = native.TryLookupStoragePoolByName(PoolName)!;
        pool.Refresh();
        return [.. pool.ListAllVolumes().Select(v => { using (v) { return v.Name; } }).Order(StringComparer.Ordinal)];
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(file, args);
        process.WaitForExit();
    }
}
