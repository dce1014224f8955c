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
            ["storageId"] = await FirstIdAsync(client, $"{root}/storages"),
            ["hostId"] = await FirstIdAsync(client, $"{root}/hosts"),
        };
        var vmsBefore = VmNames(probe);
        var volumesBefore = probe.VolumePaths();

        var routes = OpenApiRoutes.Load().Where(r => r.IsTargetRoute).ToList();
        Assert.Contains(routes, r => r.Template.EndsWith("/guests/{guestId}/power", StringComparison.Ordinal));

        // Which routes the driver lacks as a whole: their valid request (the baseline) answers 501 too.
        var lacking = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            var (status, body, location) = await SendAsync(client, Baseline(route, root, ids), Ct);
            await UndoAsync(client, status, location, new ConcurrentQueue<string>(), Ct);
            if (Lacks(status, body))
            {
                lacking.Add(route.ToString());
            }
        }

        var all = routes.SelectMany(route => Generate(route, root, ids)).ToList();
        var step = Math.Max(1, (all.Count + MaxRequests - 1) / MaxRequests);
        var requests = all.Where((r, i) => !r.Category.StartsWith("field:", StringComparison.Ordinal) || i % step == 0).ToList();
        Assert.All(routes, r => Assert.Contains(requests, q => q.Category.EndsWith(r.ToString(), StringComparison.Ordinal)));

        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        var created = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (request, ct) =>
        {
            var (status, body, location) = await SendAsync(client, request, ct);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            var problem = Lacks(status, body) ? null : Judge(status, body);
            if (problem is not null)
            {
                failures.Enqueue($"{request} -> {status} {problem}: {Cut(body)}");
            }

            if (await UndoAsync(client, status, location, failures, ct))
            {
                Interlocked.Increment(ref created);
            }
        });
        watch.Stop();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{requests.Count} hostile requests (of {all.Count} generated) over {routes.Count} vmware routes in {watch.Elapsed.TotalSeconds:0.0} s; "
            + $"{created} accepted creations deleted again; 501 routes: {lacking.Count}; answers: "
            + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}x{s.Value}")));
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, first ones:\n" + string.Join("\n", failures.Take(40)));

        var errors = logs.Lines.Where(l => l.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal) || l.StartsWith(nameof(LogLevel.Critical), StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} lines logged at Error or above, first:\n" + string.Join("\n", errors.Take(5).Select(Cut)));
        // Neither the token nor the session cookie is logged (the password itself is a word of the project's own names here).
        Assert.DoesNotContain(logs.Lines, l => l.Contains(token, StringComparison.Ordinal) || l.Contains("vmware_soap_session", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{root}/guests", Ct)).StatusCode);
        Assert.Equal(vmsBefore, VmNames(probe));
        Assert.Equal(volumesBefore, probe.VolumePaths());
    }

    /// <summary>
    /// A 501 the API allows: FeatureNotImplemented naming the vmware driver, for a whole route it
    /// lacks or a part of a request it does not build yet; or FeatureNotAvailable (what vSphere or
    /// vcsim cannot do: RebootGuest). Any other 501 is a failure.
    /// </summary>
    private static bool Lacks(int status, string body)
        => status == (int)HttpStatusCode.NotImplemented
           && ((body.Contains("\"error\":\"FeatureNotImplemented\"", StringComparison.Ordinal)
                && body.Contains("\"message\":\"The vmware driver does not ", StringComparison.Ordinal))
               || body.Contains("\"error\":\"FeatureNotAvailable\"", StringComparison.Ordinal));

    private static IReadOnlyList<string> VmNames(VcsimProbe probe)
        => [.. new[] { "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1" }.Where(probe.GuestExists)];

    private static async Task<string> FirstIdAsync(HttpClient client, string url)
    {
        var list = JsonDocument.Parse(await client.GetStringAsync(url, Ct)).RootElement;
        return list.EnumerateArray().First().GetProperty("id").GetString()!;
    }

    /// <summary>The values of a route's path parameters that name nothing a mutating request could harm.</summary>
    private static Dictionary<string, string> Values(ApiRoute route, string root, Dictionary<string, string> ids)
    {
        var mutating = route.Method != "GET";
        var values = new Dictionary<string, string>();
        foreach (var parameter in route.PathParameters)
        {
            values[parameter] = parameter switch
            {
                "hypervisor" or "host" => "",
                "storageId" => ids["storageId"],
                "hostId" => ids["hostId"],
                _ when mutating && parameter is not "storageId" => "hz-missing",
                _ when ids.TryGetValue(parameter, out var id) => id,
                _ => "hz-missing",
            };
        }

        return values;
    }

    private static string Url(ApiRoute route, string root, Dictionary<string, string> values, string? query = null)
    {
        var path = route.Template.Replace("/{hypervisor}/{host}", root, StringComparison.Ordinal);
        foreach (var (name, value) in values.Where(v => v.Key is not ("hypervisor" or "host")))
        {
            path = path.Replace("{" + name + "}", HostileInputs.Segment(value), StringComparison.Ordinal);
        }

        return query is null ? path : path + "?" + query;
    }

    private static int _unique;

    private static string Unique() => $"hz{Interlocked.Increment(ref _unique)}";

    private static byte[]? DefaultBody(ApiRoute route)
        => route.BodySchema is { } schema ? HostileInputs.Serialize(HostileInputs.Minimal(schema, Unique()), new Dictionary<string, string>()) : null;

    private static HostileRequest Baseline(ApiRoute route, string root, Dictionary<string, string> ids)
        => new($"baseline {route}", route.Method, Url(route, root, Values(route, root, ids)), DefaultBody(route), []);

    /// <summary>Every hostile request for one route (the target itself fixed: the gateway's own suite varies it).</summary>
    private static IEnumerable<HostileRequest> Generate(ApiRoute route, string root, Dictionary<string, string> ids)
    {
        var label = route.ToString();
        foreach (var parameter in route.PathParameters.Where(p => p is not ("hypervisor" or "host")))
        {
            foreach (var value in HostileInputs.Strings.Where(v => v.Length > 0 && !(route.Method != "GET" && v is "test" or "default")))
            {
                var values = Values(route, root, ids);
                values[parameter] = value;
                yield return new HostileRequest($"path:{parameter} {label}", route.Method, Url(route, root, values), DefaultBody(route), []);
            }
        }

        foreach (var parameter in route.QueryParameters)
        {
            foreach (var value in HostileInputs.Strings.Concat(HostileInputs.RawValues))
            {
                yield return new HostileRequest($"query:{parameter} {label}", route.Method, Url(route, root, Values(route, root, ids), $"{parameter}={HostileInputs.Segment(value)}"), DefaultBody(route), []);
            }
        }

        foreach (var (name, headers, _) in HostileInputs.HostileHeaders("unused-api-key"))
        {
            yield return new HostileRequest($"header:{name} {label}", route.Method, Url(route, root, Values(route, root, ids)), DefaultBody(route), headers);
        }

        if (route.BodySchema is not null || route.AcceptsArchive)
        {
            foreach (var (name, body) in HostileInputs.MalformedBodies())
            {
                yield return new HostileRequest($"body:{name} {label}", route.Method, Url(route, root, Values(route, root, ids)), body, []);
            }
        }

        if (route.AcceptsArchive)
        {
            foreach (var (name, body) in HostileInputs.HostileArchives())
            {
                yield return new HostileRequest($"archive:{name} {label}", route.Method, Url(route, root, Values(route, root, ids)), body, [new("Content-Type", "application/x-tar")]);
            }
        }

        if (route.BodySchema is { } schema)
        {
            foreach (var leaf in HostileInputs.Leaves(schema, []))
            {
                foreach (var value in HostileInputs.Strings.Select(v => (Value: v, Raw: (string?)null)).Concat(HostileInputs.RawValues.Select(r => (Value: "__RAW__", Raw: (string?)r))))
                {
                    var body = HostileInputs.Minimal(schema, Unique());
                    HostileInputs.SetPath(body, leaf, JsonValue.Create(value.Value));
                    var raw = value.Raw is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["__RAW__"] = value.Raw };
                    yield return new HostileRequest($"field:{string.Join('.', leaf)} {label}", route.Method, Url(route, root, Values(route, root, ids)), HostileInputs.Serialize(body, raw), []);
                }
            }
        }
    }

    /// <summary>Nothing 5xx, and every error JSON with an error word and no internals.</summary>
    private static string? Judge(int status, string body)
    {
        if (status >= 500)
        {
            return "5xx";
        }

        if (status < 400)
        {
            return null;
        }

        if (body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal) || body.Contains("System.", StringComparison.Ordinal)
            || body.Contains("vmware_soap_session", StringComparison.Ordinal))
        {
            return "internals in the error";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out _) && document.RootElement.TryGetProperty("message", out _) ? null : "error without error/message";
        }
        catch (JsonException)
        {
            return "error that is not JSON";
        }
    }

    private static async Task<(int Status, string Body, string? Location)> SendAsync(HttpClient client, HostileRequest request, CancellationToken ct)
    {
        using var message = request.ToMessage(bodyContentType: "application/json");
        try
        {
            using var response = await client.SendAsync(message, ct);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct), response.Headers.Location?.OriginalString);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("null characters", StringComparison.Ordinal))
        {
            // The test host refuses a NUL in the path before the app sees it, as Kestrel does (400).
            return (400, """{"error":"InvalidArguments","message":"refused by the transport"}""", null);
        }
    }

    /// <summary>Deletes what a 201 made (through its Location); whether there was something to delete.</summary>
    private static async Task<bool> UndoAsync(HttpClient client, int status, string? location, ConcurrentQueue<string> failures, CancellationToken ct)
    {
        if (status != (int)HttpStatusCode.Created)
        {
            return false;
        }

        if (location is null)
        {
            failures.Enqueue("a 201 without a Location");
            return true;
        }

        using var response = await client.DeleteAsync(new Uri(location, UriKind.Relative), ct);
        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            failures.Enqueue($"deleting {location} answered {(int)response.StatusCode} {Cut(await response.Content.ReadAsStringAsync(ct))}");
        }

        return true;
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
