extern alias XenSimulator;

using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Simplestack.Server.Connections;
using Simplestack.Server.Observability;
using Simplestack.Server.Tests.Hostile;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// The real gateway (Program, in process) pointed at one simulator's port: only
/// <c>xen/127.0.0.1:PORT</c> allowed, its certificate pinned, and whatever a test adds. The port
/// and pin are fixed at start, so a simulator started again on that port with the same
/// certificate is the same target to this gateway.
/// </summary>
internal static class XenGateway
{
    public const string User = "root";
    public const string Password = "simplestack";

    public static WebApplicationFactory<Program> Start(XenApiSimulator simulator, IDictionary<string, string?>? extra = null, LogCapture? logs = null)
        => new WebApplicationFactory<Program>().WithWebHostBuilder(builder => Configure(builder, simulator, extra, logs));

    /// <summary>The same gateway on a real loopback port (Kestrel), for clients outside the process such as a proxy.</summary>
    public static WebApplicationFactory<Program> StartOnPort(XenApiSimulator simulator, IDictionary<string, string?>? extra = null)
    {
        var gateway = new OnPort(builder => Configure(builder, simulator, extra, logs: null));
        gateway.UseKestrel(0);
        gateway.StartServer();
        return gateway;
    }

    /// <summary>The loopback port of a gateway from <see cref="StartOnPort"/>.</summary>
    public static int Port(WebApplicationFactory<Program> gateway)
        => new Uri(gateway.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First()).Port;

    private static void Configure(IWebHostBuilder builder, XenApiSimulator simulator, IDictionary<string, string?>? extra, LogCapture? logs)
    {
        var port = simulator.Url.Port;
        var settings = new Dictionary<string, string?>
        {
            ["Simplestack:AllowedTargets:0"] = $"xen/127.0.0.1:{port}",
            [$"Simplestack:XenApi:CertificatePins:127.0.0.1:{port}"] = simulator.CertificateSha256,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
        if (logs is not null)
        {
            builder.ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(logs);
                // The gateway's own categories at Trace; the framework's at the shipped levels.
                logging.AddFilter<LogCapture>("Simplestack", LogLevel.Trace);
            });
            builder.ConfigureTestServices(services => services.AddSingleton<IAccessLogSink>(logs));
        }
    }

    // UseKestrel applies to a factory's own host, not to one WithWebHostBuilder derives from it.
    private sealed class OnPort(Action<IWebHostBuilder> configure) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder) => configure(builder);
    }

    /// <summary>The base of the target's routes: <c>/xen/127.0.0.1:PORT</c>.</summary>
    public static string Base(XenApiSimulator simulator) => $"/xen/127.0.0.1:{simulator.Url.Port}";

    /// <summary>The hypervisor token for the simulator's default credentials.</summary>
    public static string Token(string user = User, string password = Password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    public static HttpClient Client(WebApplicationFactory<Program> gateway)
    {
        var client = gateway.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        client.DefaultRequestHeaders.Add("x-simplestack-hypervisor-token", Token());
        return client;
    }

    /// <summary>Waits until the access log has written the lines of the requests answered so far.</summary>
    public static async Task FlushAccessLogAsync(WebApplicationFactory<Program> gateway)
    {
        await Task.Delay(100, CancellationToken.None);
        await gateway.Services.GetRequiredService<AccessLog>().FlushAsync(TimeSpan.FromSeconds(10));
    }

    public static ConnectionPool Pool(WebApplicationFactory<Program> gateway) => gateway.Services.GetRequiredService<ConnectionPool>();

    /// <summary>Disposes the gateway (its pool logs out every session) and waits until the simulator has none open.</summary>
    public static async Task<int> CloseAndCountOpenSessionsAsync(WebApplicationFactory<Program> gateway, XenApiSimulator simulator)
    {
        await gateway.DisposeAsync();
        for (var i = 0; i < 50 && simulator.OpenSessions > 0; i++)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        return simulator.OpenSessions;
    }
}
