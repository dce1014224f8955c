using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Http;

/// <summary>
/// The gateway in front of a vCenter that dies, comes back or hangs: each test owns its vcsim,
/// serving a certificate of the test's own so that a vcsim started again on the same port keeps
/// the pin the gateway was configured with, as a real host's certificate does across reboots.
/// </summary>
public sealed class VSphereOutageTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _folder = Directory.CreateTempSubdirectory("ss-vcsim-tls-").FullName;
    private (string Certificate, string Key) _tls;
    private VcsimProcess _vcsim = null!;

    public async ValueTask InitializeAsync()
    {
        _tls = WriteCertificate(_folder);
        _vcsim = await VcsimProcess.StartAsync(new VcsimOptions { TlsFiles = _tls }, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _vcsim.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_vcsim_killed_under_load_is_503_and_the_gateway_recovers_when_it_returns_without_leaking_sessions()
    {
        var port = _vcsim.Port;
        await using var gateway = Gateway(callTimeoutSeconds: 10);
        using var client = Client(gateway);
        var hosts = $"/vmware/127.0.0.1:{port}/hosts";
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(hosts, Ct)).StatusCode);

        // Four callers keep asking (hosts are read from vSphere on every request) until told to stop.
        var statuses = new ConcurrentQueue<(HttpStatusCode Status, string Body)>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var answer = await client.GetAsync(hosts, Ct);
                statuses.Enqueue((answer.StatusCode, await answer.Content.ReadAsStringAsync(Ct)));
            }
        }, Ct)).ToList();

        await Task.Delay(500, Ct);
        await _vcsim.KillAsync(Ct);
        await Task.Delay(1500, Ct);
        var whileDown = statuses.Count;
        _vcsim = await VcsimProcess.StartAsync(new VcsimOptions { Port = port, TlsFiles = _tls }, Ct);

        // Back within a bound, with no restart of the gateway: the pooled connection logs in again.
        var watch = Stopwatch.StartNew();
        while (statuses.LastOrDefault().Status != HttpStatusCode.OK || statuses.Count == whileDown)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"the gateway did not recover within 30 s; last answers: {string.Join(", ", statuses.TakeLast(3))}");
            await Task.Delay(100, Ct);
        }

        await Task.Delay(500, Ct);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var answers = statuses.ToList();
        Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable);
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)a.Status}: {a.Body}"));
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable),
            a => Assert.Equal("HypervisorUnavailable", JsonDocument.Parse(a.Body).RootElement.GetProperty("error").GetString()));
        Assert.Equal(HttpStatusCode.OK, answers[^1].Status);

        // The new vcsim holds the gateway's one session and the probe's: the dead sessions were not retried into new ones.
        using var admin = await AdminAsync();
        Assert.Equal(2, (await VSphereSessionTests.SessionKeysAsync(admin)).Count);
        Assert.Equal(4, JsonDocument.Parse(await client.GetStringAsync($"/vmware/127.0.0.1:{port}/guests", Ct)).RootElement.GetArrayLength());
        Assert.Equal(2, (await VSphereSessionTests.SessionKeysAsync(admin)).Count);
    }

    [Fact]
    public async Task A_hung_vcsim_is_504_within_the_call_timeout_and_answers_again_once_it_runs()
    {
        var port = _vcsim.Port;
        await using var gateway = Gateway(callTimeoutSeconds: 2);
        using var client = Client(gateway);
        var pool = $"/vmware/127.0.0.1:{port}";
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(pool, Ct)).StatusCode);

        _vcsim.Freeze();
        try
        {
            foreach (var path in new[] { pool, $"{pool}/hosts", $"{pool}/guests/DC0_H0_VM0" })
            {
                var watch = Stopwatch.StartNew();
                using var answer = await client.GetAsync(path, Ct);
                Assert.Equal(HttpStatusCode.GatewayTimeout, answer.StatusCode);
                Assert.Equal("HypervisorTimeout", JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString());
                Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.8), TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            _vcsim.Thaw();
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{pool}/hosts", Ct)).StatusCode);
        Assert.Equal("DC0_H0_VM0", JsonDocument.Parse(await client.GetStringAsync($"{pool}/guests/DC0_H0_VM0", Ct)).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_session_ended_by_the_server_is_made_again_and_no_caller_sees_an_error()
    {
        var port = _vcsim.Port;
        await using var gateway = Gateway(callTimeoutSeconds: 10);
        using var client = Client(gateway);
        var hosts = $"/vmware/127.0.0.1:{port}/hosts";
        using var admin = await AdminAsync();
        var before = await VSphereSessionTests.SessionKeysAsync(admin);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(hosts, Ct)).StatusCode);
        var gatewaySession = Assert.Single((await VSphereSessionTests.SessionKeysAsync(admin)).Except(before));

        var content = await admin.ServiceContentAsync(Ct);
        await admin.InvokeAsync(VimSoap.Method("TerminateSession", VimSoap.Ref("_this", content.Element(VimSoap.Vim + "sessionManager")!),
            new System.Xml.Linq.XElement(VimSoap.Vim + "sessionId", gatewaySession)), Ct);

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.GetAsync(hosts, Ct)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var now = Assert.Single((await VSphereSessionTests.SessionKeysAsync(admin)).Except(before));
        Assert.NotEqual(gatewaySession, now);
    }

    private WebApplicationFactory<Program> Gateway(int callTimeoutSeconds) => VcsimGateway.Create(_vcsim, callTimeoutSeconds);

    private HttpClient Client(WebApplicationFactory<Program> gateway) => VcsimGateway.Client(gateway, _vcsim);

    private async Task<VimSoap> AdminAsync()
    {
        var soap = new VimSoap(_vcsim);
        var (status, _) = await soap.LoginAsync(await soap.ServiceContentAsync(Ct), _vcsim.User, _vcsim.Password, Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        return soap;
    }

    /// <summary>A self-signed P-256 certificate for 127.0.0.1, written as PEM files vcsim serves.</summary>
    private static (string Certificate, string Key) WriteCertificate(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1, O=Simplestack tests", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7));
        var (certificateFile, keyFile) = (Path.Combine(folder, "vcsim.crt"), Path.Combine(folder, "vcsim.key"));
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }
}
