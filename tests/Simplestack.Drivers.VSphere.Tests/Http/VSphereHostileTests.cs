using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;
using Simplestack.Server.Observability;
using Simplestack.Server.Tests.Hostile;

namespace Simplestack.Drivers.VSphere.Tests.Http;

/// <summary>
/// The hostile-input suite's values (<see cref="HostileInputs"/>) over every target route of
/// <c>docs/openapi.json</c>, on <c>/vmware/127.0.0.1:PORT</c> against a vCenter vcsim (as
/// XenHostileTests does on xen): every path parameter, query parameter, header set, malformed body
/// and body field. No answer may be a 5xx but 501, and 501 only as FeatureNotImplemented from the
/// vmware driver (what it does not build yet) or FeatureNotAvailable; errors are JSON without
/// internals; nothing is logged at Error; and vcsim holds exactly the VMs and disks it held (what
/// a request was allowed to create, a 201 with a Location, is deleted through the API at once).
/// </summary>
public sealed class VSphereHostileTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>
{
    /// <summary>A bound on the run (a deterministic sample of the field values when there are more).</summary>
    private const int MaxRequests = 3_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_vmware_route_survives_hostile_input_with_no_5xx_but_501_for_what_the_driver_lacks()
    {
        var port = vpx.Vcsim.Port;
        var logs = new LogCapture();
        await using var gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Simplestack:AllowedTargets:0"] = $"vmware/127.0.0.1:{port}",
                [$"Simplestack:VSphere:CertificatePins:127.0.0.1:{port}"] = vpx.Vcsim.CertificateSha256,
                ["Simplestack:VSphere:CallTimeoutSeconds"] = "20",
            }));
            builder.ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(logs);
                logging.AddFilter<LogCapture>("Simplestack", LogLevel.Trace);
            });
            builder.ConfigureTestServices(services => services.AddSingleton<IAccessLogSink>(logs));
        });
        using var client = gateway.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{vpx.Vcsim.User}:{vpx.Vcsim.Password}"));
        client.DefaultRequestHeaders.Add("x-simplestack-hypervisor-token", token);
        var root = $"/vmware/127.0.0.1:{port}";
        using var probe = new VcsimProbe(vpx.Vcsim);

        var ids = new Dictionary<string, string>
        {
            ["guestId"] = "DC0_H0_VM0",
            ["storageId"] = await DriverHostileSweep.FirstIdAsync(client, $"{root}/storages"),
            ["hostId"] = await DriverHostileSweep.FirstIdAsync(client, $"{root}/hosts"),
        };
        var vmsBefore = VmNames(probe);
        var volumesBefore = probe.VolumePaths();

        var sweep = await DriverHostileSweep.RunAsync(client, "vmware", root, ids, MaxRequests, internals: "vmware_soap_session");

        TestContext.Current.TestOutputHelper?.WriteLine(sweep.Summary("vmware"));
        var failures = sweep.Failures;
        // vcsim's own log goes with a failure: a 503 "ResponseEnded" was once seen on a delete (vcsim
        // closing the connection, as Go's HTTP server does after a handler panics), not reproduced since.
        Assert.True(
            failures.Count == 0,
            $"{failures.Count} bad answers, first ones:\n" + string.Join("\n", failures.Take(40))
            + "\nvcsim's stderr (end):\n" + string.Join("\n", vpx.Vcsim.StandardError.Split('\n').TakeLast(40)));

        var errors = logs.Lines.Where(l => l.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal) || l.StartsWith(nameof(LogLevel.Critical), StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} lines logged at Error or above, first:\n" + string.Join("\n", errors.Take(5).Select(DriverHostileSweep.Cut)));
        // Neither the token nor the session cookie is logged (the password itself is a word of the project's own names here).
        Assert.DoesNotContain(logs.Lines, l => l.Contains(token, StringComparison.Ordinal) || l.Contains("vmware_soap_session", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{root}/guests", Ct)).StatusCode);
        Assert.Equal(vmsBefore, VmNames(probe));
        Assert.Equal(volumesBefore, probe.VolumePaths());
    }

    private static IReadOnlyList<string> VmNames(VcsimProbe probe)
        => [.. new[] { "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1" }.Where(probe.GuestExists)];
}
