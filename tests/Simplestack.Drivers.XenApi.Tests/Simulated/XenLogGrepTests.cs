extern alias XenSimulator;

using System.Net;
using System.Text;
using Simplestack.Server.Tests.Hostile;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// Every log line the gateway writes (its categories at Trace, structured values, scopes and
/// exceptions included; the access log too) while xen requests carry the pool's password through
/// success, refusal, errors, an expired session, a hang, a pool that stops and comes back: none
/// may contain the password, a wrong password, the token, or any session ref the pool handed out,
/// and neither may any answer.
/// </summary>
public sealed class XenLogGrepTests
{
    private const string Password = "pw-Xen!7q#secret-4d1e";
    private const string WrongPassword = "pw-Wrong!3z#other-8b2a";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_password_and_no_session_ref_reaches_a_log_line_or_an_answer()
    {
        var options = new SimulatorOptions { Password = Password, SlaveListener = false };
        var first = await XenApiSimulator.StartAsync(options, Ct);
        options = options with { Port = first.Url.Port, CertificatePkcs12 = first.CertificatePkcs12 };
        XenApiSimulator? second = null;
        var firstStopped = false;
        var logs = new LogCapture();
        var gateway = XenGateway.Start(first, new Dictionary<string, string?> { ["Simplestack:XenApi:CallTimeoutSeconds"] = "2" }, logs);
        var root = XenGateway.Base(first);
        var token = XenGateway.Token(XenGateway.User, Password);
        var wrongToken = XenGateway.Token(XenGateway.User, WrongPassword);
        List<string> answers = [];
        try
        {
            using var client = gateway.CreateClient();
            string? location = null;
            async Task<HttpStatusCode> SendAsync(string method, string url, string hypervisorToken, string? body = null)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), url);
                request.Headers.TryAddWithoutValidation("x-simplestack-hypervisor-token", hypervisorToken);
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(request, Ct);
                answers.Add($"{(int)response.StatusCode} {response.Headers} {await response.Content.ReadAsStringAsync(Ct)}");
                location = response.Headers.Location?.OriginalString;
                return response.StatusCode;
            }

            string[] reads = [root, $"{root}/guests", $"{root}/guests/web-01", $"{root}/storages", $"{root}/networks", $"{root}/hosts", $"{root}/guests/web-01/snapshots"];
            foreach (var url in reads)
            {
                Assert.Equal(HttpStatusCode.OK, await SendAsync("GET", url, token));
            }

            // Refused credentials, errors, the password in a body the driver refuses, a create and its delete.
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("GET", $"{root}/guests", wrongToken));
            Assert.Equal(HttpStatusCode.NotFound, await SendAsync("GET", $"{root}/guests/lg-missing", token));
            Assert.Equal(HttpStatusCode.Conflict, await SendAsync("PUT", $"{root}/guests/web-01/power", token, """{"state":"start"}"""));
            await SendAsync("POST", $"{root}/guests", token, $$"""{"name":"lg-{{Guid.NewGuid():N}}","memory":64,"user_data":"password: {{Password}}"}""");
            await SendAsync("POST", $"{root}/networks", token, """{"name":"lg-net","vlan":5000}""");
            Assert.Equal(HttpStatusCode.Created, await SendAsync("POST", $"{root}/networks", token, $$"""{"name":"lg-{{Guid.NewGuid():N}}"}"""));
            Assert.Equal(HttpStatusCode.NoContent, await SendAsync("DELETE", location!, token));

            // A session the pool dropped: made again, quietly.
            first.ExpireSessions();
            Assert.Equal(HttpStatusCode.OK, await SendAsync("GET", $"{root}/guests", token));

            // A hang: 504.
            first.Pause();
            try
            {
                Assert.Equal(HttpStatusCode.GatewayTimeout, await SendAsync("GET", $"{root}/storages", token));
            }
            finally
            {
                first.Resume();
            }

            // Gone: 503 (from a route that asks the pool: the guest list may still answer from the
            // inventory until its event wait has seen the pool go); back on the same port: a new
            // session on the new pool.
            firstStopped = true;
            await first.DisposeAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync("GET", $"{root}/storages", token));
            second = await XenApiSimulator.StartAsync(options, Ct);
            Assert.Equal(HttpStatusCode.OK, await SendAsync("GET", $"{root}/guests", token));
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("GET", $"{root}/hosts", wrongToken));

            var metrics = await client.GetAsync("/metrics", Ct);
            answers.Add($"{(int)metrics.StatusCode} {await metrics.Content.ReadAsStringAsync(Ct)}");
            await XenGateway.FlushAccessLogAsync(gateway);
            Assert.Equal(0, await XenGateway.CloseAndCountOpenSessionsAsync(gateway, second));
        }
        finally
        {
            await gateway.DisposeAsync();
            if (!firstStopped)
            {
                await first.DisposeAsync();
            }

            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }

        var sessionRefs = first.SessionRefs.Concat(second!.SessionRefs).ToList();
        Assert.True(sessionRefs.Count >= 3, $"only {sessionRefs.Count} sessions were made"); // the first, the one after the expiry, the one on the new pool
        Assert.All(sessionRefs, s => Assert.StartsWith("OpaqueRef:", s, StringComparison.Ordinal));
        string[] secrets = [Password, WrongPassword, token, wrongToken, .. sessionRefs, .. sessionRefs.Select(s => s["OpaqueRef:".Length..])];

        Assert.True(logs.Count > answers.Count, $"only {logs.Count} log lines were captured for {answers.Count} answers");
        Assert.Contains(logs.Lines, l => l.Contains("\"EventId\":50", StringComparison.Ordinal)); // the access log's lines are grepped too
        Assert.Contains(logs.Lines, l => l.Contains($"xen/127.0.0.1:{options.Port}", StringComparison.Ordinal)); // the xen requests were logged
        var leaked = logs.LinesContaining(secrets);
        Assert.True(leaked.Count == 0, $"{leaked.Count} of {logs.Count} log lines carry a secret, e.g.:\n" + string.Join("\n", leaked.Take(3)));
        var leakedAnswers = answers.Where(a => secrets.Any(s => a.Contains(s, StringComparison.Ordinal))).ToList();
        Assert.True(leakedAnswers.Count == 0, $"{leakedAnswers.Count} answers carry a secret, e.g.:\n" + string.Join("\n", leakedAnswers.Take(3)));
        var line = $"xen log grep: {logs.Count} log lines, {answers.Count} answers grepped for {secrets.Length} secrets ({sessionRefs.Count} session refs): 0 hits";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "xen-loggrep-summary.txt"), line + "\n");
    }
}
