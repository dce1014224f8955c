using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Simplestack.Server.Tests.Hostile;

/// <summary>
/// Every log line written while requests carry secrets (API keys, hypervisor passwords, in every
/// place a caller might put them, valid and malformed), captured with structured values, scopes
/// and exceptions (the gateway's categories at Trace, the framework's at the shipped levels):
/// none may contain a secret, and
/// neither may any answer, <c>/metrics</c> or <c>/readyz</c>.
/// </summary>
public sealed class LogGrepTests(LogGrepTests.Fixture factory) : IClassFixture<LogGrepTests.Fixture>
{
    public sealed class Fixture : HostileGatewayFactory
    {
        public const string Password = "pw-Zq7!xK2#secret-9f3c";
        public const string OtherPassword = "s3cr3t:with:colons";

        protected override LogLevel MinimumCapturedLevel => LogLevel.Trace;

        protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            // A local kvm target whose connection is refused at once (nothing listens on 127.0.0.2:1)
            // carries the password through the pool and the driver, and fails: the paths where a
            // secret could slip into a message. No packet leaves the machine.
            ["Simplestack:AllowedTargets:1"] = "kvm/127.0.0.2:1",
            ["Simplestack:Libvirt:RemoteTransport"] = "tcp",
            ["Simplestack:Connections:ConnectTimeout"] = "00:00:05",
        };
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_secret_reaches_a_log_line_an_answer_or_the_metrics()
    {
        var b64 = (string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        var token = b64("root:" + Fixture.Password);
        var otherToken = b64("admin:" + Fixture.OtherPassword);
        string[] secrets = [factory.ApiKey, factory.OtherApiKey, Fixture.Password, Fixture.OtherPassword, token, otherToken, b64(factory.ApiKey)];

        using var client = factory.CreateClient();
        List<string> answers = [];
        async Task SendAsync(string method, string url, IEnumerable<(string, string)> headers, string? body = null)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request, Ct);
            answers.Add($"{(int)response.StatusCode} {response.Headers} {await response.Content.ReadAsStringAsync(Ct)}");
        }

        var key = ("x-simplestack-token", factory.ApiKey);
        var hv = "x-simplestack-hypervisor-token";
        (string, string)[][] headerSets =
        [
            [key, (hv, token)],
            [("Authorization", "Bearer " + factory.OtherApiKey), (hv, otherToken)],
            [key, (hv, "root:" + Fixture.Password)],                      // not base64: 400, must not echo
            [key, (hv, token + "!")],                                      // malformed base64
            [("x-simplestack-token", factory.ApiKey + "x"), (hv, token)],   // wrong key: 401
            [("x-simplestack-token", Fixture.Password)],                   // a password sent as a key
            [("Authorization", "Basic " + b64("u:" + factory.ApiKey))],
            [key, (hv, token), ("X-Request-Id", Fixture.Password)],       // not a valid id: replaced
        ];
        string[] urls =
        [
            "/test/default", "/test/default/guests", "/test/default/guests/nope", "/kvm/127.0.0.2:1/guests", "/kvm/127.0.0.2:1",
            "/kvm/10.9.9.9/guests", "/host/test/", "/readyz", "/metrics", $"/test/default/guests?token={factory.ApiKey}",
        ];
        foreach (var headers in headerSets)
        {
            foreach (var url in urls)
            {
                await SendAsync("GET", url, headers);
            }

            await SendAsync("POST", "/test/default/guests", headers, $$"""{"name": "lg-{{Guid.NewGuid():N}}", "memory": 64, "user_data": "password: {{Fixture.Password}}"}""");
            await SendAsync("POST", "/kvm/127.0.0.2:1/guests", headers, """{"name": "x", "memory": 64}""");
        }

        using var authorized = factory.CreateAuthorizedClient();
        var metrics = await authorized.GetStringAsync("/metrics", Ct);
        var readyz = await (await authorized.GetAsync("/readyz", Ct)).Content.ReadAsStringAsync(Ct);
        await factory.FlushAccessLogAsync();

        Assert.True(factory.Logs.Count > 100, $"only {factory.Logs.Count} log lines were captured");
        Assert.Contains(factory.Logs.Lines, l => l.Contains("kvm/127.0.0.2:1", StringComparison.Ordinal)); // the failing connects were logged
        Assert.Contains(factory.Logs.Lines, l => l.Contains("\"EventId\":50", StringComparison.Ordinal)); // and the access log's lines are grepped too
        var leaked = factory.Logs.LinesContaining(secrets);
        Assert.True(leaked.Count == 0, $"{leaked.Count} of {factory.Logs.Count} log lines carry a secret, e.g.:\n" + string.Join("\n", leaked.Take(3)));
        Assert.DoesNotContain(answers, a => secrets.Any(s => a.Contains(s, StringComparison.Ordinal)));
        Assert.DoesNotContain(secrets, s => metrics.Contains(s, StringComparison.Ordinal) || readyz.Contains(s, StringComparison.Ordinal));
        TestContext.Current.TestOutputHelper?.WriteLine($"{factory.Logs.Count} log lines, {answers.Count} answers, metrics and readyz grepped for {secrets.Length} secrets: 0 hits");
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "loggrep-summary.txt"), $"{factory.Logs.Count} log lines, {answers.Count} answers grepped for {secrets.Length} secrets: {leaked.Count} hits\n");
    }

    [Fact]
    public async Task Without_a_key_the_routes_answer_401_after_the_target_checks()
    {
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/nope/x/guests", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/kvm/10.0.0.1/guests", Ct)).StatusCode);
        var refused = await client.GetAsync("/test/default/guests", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/host/test/", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/metrics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", Ct)).StatusCode);

        // A key in either header is accepted; a malformed token is judged only after the key (400).
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/test/default/guests");
        bearer.Headers.TryAddWithoutValidation("Authorization", "Bearer " + factory.OtherApiKey);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(bearer, Ct)).StatusCode);
        using var malformed = new HttpRequestMessage(HttpMethod.Get, "/test/default/guests");
        malformed.Headers.TryAddWithoutValidation("x-simplestack-token", factory.ApiKey);
        malformed.Headers.TryAddWithoutValidation("x-simplestack-hypervisor-token", "not base64!");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(malformed, Ct)).StatusCode);
        using var noKeyMalformed = new HttpRequestMessage(HttpMethod.Get, "/test/default/guests");
        noKeyMalformed.Headers.TryAddWithoutValidation("x-simplestack-hypervisor-token", "not base64!");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(noKeyMalformed, Ct)).StatusCode);
    }
}
