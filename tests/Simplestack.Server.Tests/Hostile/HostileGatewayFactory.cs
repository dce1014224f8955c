using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Simplestack.Drivers.Libvirt;
using Simplestack.Libvirt;
using Simplestack.Server.Connections;
using Simplestack.Server.Observability;
using Simplestack.Server.Security;

namespace Simplestack.Server.Tests.Hostile;

/// <summary>
/// The real <c>Program</c> in process on the embedded test hypervisor, configured the way a
/// careful operator would: API keys on, only <c>test/default</c> allowed (so no hostile request can
/// reach a real hypervisor or the network), the staging agent pointed at the test hypervisor, a
/// 64 KiB JSON limit, and every log line captured.
/// </summary>
public class HostileGatewayFactory : WebApplicationFactory<Program>
{
    /// <summary>The API key callers use (random per run).</summary>
    public string ApiKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A second key, configured, to show several keys work.</summary>
    public string OtherApiKey { get; } = "other-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    public LogCapture Logs { get; } = new();

    /// <summary>Extra configuration a derived fixture adds.</summary>
    protected virtual IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>
        {
            ["Simplestack:AllowedTargets:0"] = "test/default",
            ["Simplestack:Agent:Target"] = "test/default",
            ["Simplestack:MaxJsonBodyBytes"] = "65536",
            ["Simplestack:MaxImportBodyBytes"] = "1048576",
            ["Simplestack:Security:ApiKeys:0:Name"] = "hostile-suite",
            ["Simplestack:Security:ApiKeys:0:Hash"] = ApiKeys.HashOf(ApiKey),
            ["Simplestack:Security:ApiKeys:1:Name"] = "other",
            ["Simplestack:Security:ApiKeys:1:Hash"] = ApiKeys.HashOf(OtherApiKey),
        };
        foreach (var (key, value) in ExtraSettings)
        {
            settings[key] = value;
        }

        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
        builder.ConfigureLogging(logging =>
        {
            // Only the capture: the console would slow ten thousand requests down (and is not what is judged).
            logging.ClearProviders();
            logging.AddProvider(Logs);
            // The gateway's own categories at MinimumCapturedLevel; the framework's at the levels the
            // shipped appsettings.json sets (Microsoft.AspNetCore at Warning: its Information lines
            // print whole request URLs, query strings included, and Simplestack's request log replaces them).
            logging.AddFilter<LogCapture>("Simplestack", MinimumCapturedLevel);
        });
        builder.ConfigureTestServices(services => services.AddSingleton<IAccessLogSink>(Logs));
    }

    /// <summary>
    /// Waits until the access log has written the lines of the requests answered so far. A line is
    /// queued just after its answer is sent, so the client may be a moment ahead: settle first.
    /// </summary>
    public async Task FlushAccessLogAsync()
    {
        await Task.Delay(100);
        await Services.GetRequiredService<AccessLog>().FlushAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>What is captured: Debug by default (Trace for the dedicated log-grep test).</summary>
    protected virtual LogLevel MinimumCapturedLevel => LogLevel.Debug;

    public ConnectionPool Pool => Services.GetRequiredService<ConnectionPool>();

    /// <summary>A client that sends the API key on every request.</summary>
    public HttpClient CreateAuthorizedClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation(ApiKeyAuthorizer.TokenHeader, ApiKey);
        return client;
    }

    /// <summary>libvirt itself, through the pool's test connection (opened by a first request if needed).</summary>
    public async Task<LibvirtConnection> LibvirtAsync()
    {
        if (!Pool.OpenConnections.OfType<LibvirtHypervisorConnection>().Any())
        {
            using var client = CreateAuthorizedClient();
            (await client.GetAsync("/test/default", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        return Pool.OpenConnections.OfType<LibvirtHypervisorConnection>().Single(c => c.Target.Hypervisor == "test").Native;
    }
}
