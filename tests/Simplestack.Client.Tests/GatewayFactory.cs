using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Simplestack.Client;
using Simplestack.Client.Models;

namespace Simplestack.Client.Tests;

/// <summary>
/// The real gateway (<c>Program</c> of Simplestack.Server) in process, on libvirt's test hypervisor.
/// Each test class has its own (an <see cref="IClassFixture{T}"/>): a fresh test hypervisor.
/// </summary>
public class GatewayFactory : WebApplicationFactory<Program>
{
    /// <summary>Every request the clients made, with their headers (for the credential header tests).</summary>
    public List<HttpRequestMessage> Requests { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Simplestack:AllowedTargets:0"] = "test/default",
            // Loopback only: a test must never make the gateway connect beyond this machine.
            ["Simplestack:AllowedTargets:1"] = "vmware/127.0.0.1:1",
            ["Simplestack:AllowedTargets:2"] = "hyperv/*",
        }));
    }

    /// <summary>An HttpClient on the in-process gateway that records each request.</summary>
    public HttpClient CreateRecordingClient()
        => new(new RecordingHandler(Requests) { InnerHandler = Server.CreateHandler() })
        {
            BaseAddress = Server.BaseAddress,
            Timeout = TimeSpan.FromMinutes(5),
        };

    public SimplestackClient CreateSdk(SimplestackTarget? target = null)
        => new(CreateRecordingClient(), target ?? SimplestackTarget.Test);

    private sealed class RecordingHandler(List<HttpRequestMessage> requests) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (requests)
            {
                requests.Add(request);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>Shared helpers: each derived class is one fixture, one fresh test hypervisor.</summary>
public abstract class GatewayTestBase(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    protected GatewayFactory Factory { get; } = factory;

    protected SimplestackClient Sdk { get; } = factory.CreateSdk();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static string UniqueName(string prefix = "guest") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>A stopped guest without disks (unless asked), created through the SDK.</summary>
    protected Task<Guest> CreateGuestAsync(string? name = null, bool start = false, IReadOnlyList<DiskSpec>? disks = null)
        => Sdk.Guests.CreateAsync(
            new GuestCreateRequest { Name = name ?? UniqueName(), Memory = 128, Cpus = 1, Start = start, Disks = disks },
            Ct);

    protected static MediaTypeHeaderValue Tar => new("application/x-tar");
}
