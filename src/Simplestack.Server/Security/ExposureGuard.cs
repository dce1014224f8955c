using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Simplestack.Server.Logging;

namespace Simplestack.Server.Security;

/// <summary>
/// Refuses to serve when the gateway listens beyond loopback without API keys. The addresses are
/// the ones Kestrel really bound (from <c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>Kestrel:Endpoints</c>),
/// checked as soon as the server has started; until the check passes every request answers 503, and
/// when it fails the process stops with exit code 1 and a message saying how to fix it.
/// </summary>
public sealed class ExposureGuard(
    IServer server, ApiKeys keys, IHostApplicationLifetime lifetime, ILogger<ExposureGuard> logger) : IHostedService
{
    private volatile bool _verified;

    /// <summary>True once the bound addresses have been checked and found acceptable.</summary>
    public bool Verified => _verified;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Check);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Check()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(a => !IsLoopback(a)).ToList();
        if (exposed.Count == 0 || keys.Enabled)
        {
            _verified = true;
            return;
        }

        var message = RefusalMessage(exposed);
        Log.ExposedWithoutKeys(logger, message);
        Console.Error.WriteLine(message);
        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }

    public static string RefusalMessage(IEnumerable<string> exposed) =>
        $"Simplestack refuses to start: it listens on {string.Join(", ", exposed)}, beyond loopback, and no API key is configured. "
        + "Either listen on loopback only (--urls http://127.0.0.1:8080), or configure API keys: generate a key "
        + "(openssl rand -base64 32), then set Simplestack:Security:ApiKeys:0:Name=<who> and "
        + "Simplestack:Security:ApiKeys:0:Hash=sha256:<printf %s \"$KEY\" | sha256sum> (environment: "
        + "Simplestack__Security__ApiKeys__0__Hash=sha256:...). Callers send the key in x-simplestack-token or Authorization: Bearer.";

    /// <summary>Whether a bound address (<c>http://127.0.0.1:8080</c>, <c>http://[::]:80</c>, <c>http://unix:/path</c>) is reachable from this machine only.</summary>
    public static bool IsLoopback(string address)
    {
        var schemeEnd = address.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd >= 0 ? address[(schemeEnd + 3)..] : address;
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("pipe:", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var end = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = end >= 0 ? rest[..end] : rest;
        string host;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            host = close > 0 ? authority[1..close] : authority;
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon >= 0 ? authority[..colon] : authority;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }
}
