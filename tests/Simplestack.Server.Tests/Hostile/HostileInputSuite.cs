using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Simplestack.Server.Tests.Hostile;

/// <summary>
/// Hostile input over every route of <c>docs/openapi.json</c> (the staging agent and volume routes
/// included): every path parameter, body field, query parameter and a set of headers gets every
/// hostile value, and every JSON body every malformed form. At least 10,000 requests, in process
/// on the test hypervisor. Passes when no answer is a 5xx, every error is JSON without internals,
/// nothing was logged at Error or above, the server is still healthy and ready, and the
/// hypervisor holds exactly what it held before (what a hostile request was allowed to create, a
/// 201 with a Location, is deleted through the API at once and must delete cleanly).
/// </summary>
public sealed class HostileInputSuite(HostileGatewayFactory factory) : IClassFixture<HostileGatewayFactory>
{
    private const int MinimumRequests = 10_000;

    /// <summary>Counted apart: requests the HTTP layer refuses before the app (a NUL in the path), which Kestrel answers 400.</summary>
    private const int TransportRefused = 400_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_route_survives_hostile_input()
    {
        var routes = OpenApiRoutes.Load();
        Assert.Contains(routes, r => r.Template.StartsWith("/host/", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Template.Contains("/volumes", StringComparison.Ordinal));

        var libvirt = await factory.LibvirtAsync();
        var before = HypervisorSnapshot.Take(libvirt);
        var requests = Generate(routes, factory.ApiKey).ToList();
        Assert.True(requests.Count >= MinimumRequests, $"only {requests.Count} requests generated");
        Assert.All(routes, r => Assert.Contains(requests, q => q.Category.EndsWith(r.ToString(), StringComparison.Ordinal)));

        using var client = factory.CreateClient();

        // The test hypervisor cannot upload volumes, so a NoCloud seed (user_data, ssh_keys) is 501
        // FeatureNotAvailable there for any value, valid or not, and libvirt has no placement (a
        // vCenter's). Shown with valid values first; such answers to those fields are then counted
        // apart, and every other 5xx fails the test.
        var unavailable = await UnavailableFieldsAsync(client);
        var unavailableRoutes = await UnavailableRoutesAsync(client, routes);
        var featureUnavailable = 0;
        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        var created = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (request, ct) =>
        {
            var (status, body, location) = await SendAsync(client, request, ct);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status == (int)HttpStatusCode.NotImplemented && body.Contains("\"FeatureNotAvailable\"", StringComparison.Ordinal)
                && (unavailable.Any(field => request.Category.StartsWith($"field:{field}", StringComparison.Ordinal))
                    || unavailableRoutes.Any(route => request.Category.EndsWith(" " + route, StringComparison.Ordinal))))
            {
                Interlocked.Increment(ref featureUnavailable);
                return;
            }

            var problem = status == TransportRefused ? null : Judge(status, body);
            if (problem is not null)
            {
                failures.Enqueue($"{request} → {status} {problem}: {Cut(body)}");
            }

            if (status == (int)HttpStatusCode.Created)
            {
                Interlocked.Increment(ref created);
                var undo = await DeleteAsync(client, location, ct);
                if (undo is not null)
                {
                    failures.Enqueue($"{request} → 201 {location}, but deleting it failed: {undo}");
                }
            }
        });
        watch.Stop();

        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"{requests.Count} hostile requests over {routes.Count} routes in {watch.Elapsed.TotalSeconds:0.0} s; {created} accepted creations deleted again");
        output?.WriteLine("answers: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => s.Key == TransportRefused ? $"refused-by-transport×{s.Value}" : $"{s.Key}×{s.Value}")));
        output?.WriteLine($"of which 501 FeatureNotAvailable for {string.Join(", ", unavailable.Concat(unavailableRoutes))} on the test hypervisor (as for valid values): {featureUnavailable}");
        File.WriteAllText(
            Path.Combine(AppContext.BaseDirectory, "hostile-summary.txt"),
            $"{requests.Count} requests, {routes.Count} routes, {watch.Elapsed.TotalSeconds:0.0} s, {created} creations undone; "
            + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")) + $"; 501 unavailable ({string.Join(", ", unavailable)}) {featureUnavailable}\n");

        var fiveHundreds = statuses.Where(s => s.Key is >= 500 and < TransportRefused).Sum(s => s.Value) - featureUnavailable;
        var shown = failures.OrderBy(f => f.Contains(" 5xx", StringComparison.Ordinal) ? 0 : 1).DistinctBy(f => f[..f.IndexOf(']', StringComparison.Ordinal)] + f[f.IndexOf('→', StringComparison.Ordinal)..][..Math.Min(60, f.Length - f.IndexOf('→', StringComparison.Ordinal))]).Take(60);
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers ({fiveHundreds} were 5xx), first ones:\n" + string.Join("\n", shown));
        Assert.Equal(0, fiveHundreds);

        var errors = factory.Logs.Lines.Where(l => l.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal) || l.StartsWith(nameof(LogLevel.Critical), StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} lines logged at Error or above, first:\n" + string.Join("\n", errors.Take(5).Select(Cut)));

        using var authorized = factory.CreateAuthorizedClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await authorized.GetAsync("/readyz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await authorized.GetAsync("/test/default/guests", Ct)).StatusCode);

        var after = HypervisorSnapshot.Take(libvirt);
        Assert.True(before == after || before.Diff(after).Length == 0, "the hypervisor's state changed:\n" + before.Diff(after));
    }

    /// <summary>
    /// The routes the test hypervisor has nothing for, shown by a valid request answering 501
    /// FeatureNotAvailable: a console ticket (its guests have no console).
    /// </summary>
    private async Task<IReadOnlyList<string>> UnavailableRoutesAsync(HttpClient client, IReadOnlyList<ApiRoute> routes)
    {
        var unavailable = new List<string>();
        foreach (var route in routes.Where(r => r.Method == "POST" && r.Template.EndsWith("/console/ticket", StringComparison.Ordinal)))
        {
            var request = new HostileRequest("control", route.Method, "/test/default/guests/test/console/ticket", null, []);
            var (status, body, _) = await SendAsync(client, request, Ct);
            if (status == (int)HttpStatusCode.NotImplemented && body.Contains("\"FeatureNotAvailable\"", StringComparison.Ordinal))
            {
                unavailable.Add(route.ToString());
            }
        }

        return unavailable;
    }

    /// <summary>
    /// The create fields whose valid values answer 501 FeatureNotAvailable on the test hypervisor:
    /// a NoCloud seed (it cannot upload a volume) and a vCenter's placement.
    /// </summary>
    private async Task<IReadOnlyList<string>> UnavailableFieldsAsync(HttpClient client)
    {
        var unavailable = new List<string>();
        foreach (var (field, extra) in new[]
                 {
                     ("user_data ", "\"user_data\":\"#cloud-config\\n\""),
                     ("ssh_keys", "\"ssh_keys\":[\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7 ci@example\"]"),
                     ("placement", "\"placement\":{\"datacenter\":\"DC0\"}"),
                 })
        {
            var request = new HostileRequest("control", "POST", "/test/default/guests", Encoding.UTF8.GetBytes($"{{\"name\":\"hz-control\",\"memory\":64,{extra}}}"), []);
            var (status, body, location) = await SendAsync(client, request, Ct);
            if (status == (int)HttpStatusCode.Created)
            {
                await DeleteAsync(client, location, Ct);
            }

            if (status == (int)HttpStatusCode.NotImplemented && body.Contains("\"FeatureNotAvailable\"", StringComparison.Ordinal))
            {
                unavailable.Add(field);
            }
        }

        return unavailable;
    }

    /// <summary>Nothing 5xx, and every error JSON with an error word and no internals.</summary>
    private static string? Judge(int status, string body)
    {
        if (status >= 500)
        {
            return "5xx";
        }

        if (status >= 400)
        {
            if (body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal) || body.Contains("System.", StringComparison.Ordinal))
            {
                return "internals in the error";
            }

            try
            {
                using var document = JsonDocument.Parse(body);
                if (!document.RootElement.TryGetProperty("error", out _) || !document.RootElement.TryGetProperty("message", out _))
                {
                    return "error without error/message";
                }
            }
            catch (JsonException)
            {
                return "error that is not JSON";
            }
        }

        return null;
    }

    private async Task<(int Status, string Body, string? Location)> SendAsync(HttpClient client, HostileRequest request, CancellationToken ct)
    {
        using var message = request.ToMessage(factory.ApiKey);

        HttpResponseMessage response;
        try
        {
            // Headers first: a streaming answer (the events route) is judged by its status and never read to its end.
            response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("null characters", StringComparison.Ordinal))
        {
            // The test host refuses a NUL in the path before the app sees it, as Kestrel does (400).
            return (TransportRefused, """{"error":"InvalidArguments","message":"refused by the transport"}""", null);
        }

        using (response)
        {
            var body = IsStream(response) ? string.Empty : await response.Content.ReadAsStringAsync(ct);
            return ((int)response.StatusCode, body, response.Headers.Location?.OriginalString);
        }
    }

    /// <summary>A Server-Sent Events answer: it does not end on its own.</summary>
    internal static bool IsStream(HttpResponseMessage response)
        => response.Content.Headers.ContentType?.MediaType == "text/event-stream";

    private async Task<string?> DeleteAsync(HttpClient client, string? location, CancellationToken ct)
    {
        if (location is null)
        {
            return "no Location";
        }

        using var message = new HttpRequestMessage(HttpMethod.Delete, new Uri(location, UriKind.Relative));
        message.Headers.TryAddWithoutValidation("x-simplestack-token", factory.ApiKey);
        using var response = await client.SendAsync(message, ct);
        return response.StatusCode == HttpStatusCode.NoContent ? null : $"{(int)response.StatusCode} {Cut(await response.Content.ReadAsStringAsync(ct))}";
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "..." : text;

    /// <summary>All requests, each labelled with its category and route.</summary>
    public static IEnumerable<HostileRequest> Generate(IReadOnlyList<ApiRoute> routes, string apiKey)
    {
        var counter = 0;
        string Unique() => $"hz{Interlocked.Increment(ref counter)}";

        foreach (var route in routes)
        {
            var label = route.ToString();
            var mutating = route.Method != "GET";

            Dictionary<string, string> Baseline()
            {
                var values = new Dictionary<string, string>();
                foreach (var parameter in route.PathParameters)
                {
                    values[parameter] = parameter switch
                    {
                        "hypervisor" => "test",
                        "host" => "default",
                        "guestId" => mutating ? "hz-missing-guest" : "test",
                        "storageId" => "default-pool",
                        "networkId" => mutating ? "hz-missing-net" : "default",
                        "volumeId" => mutating ? "hz-missing-vol" : "demo-image.qcow2",
                        "hostname" => mutating ? Unique() : "test",
                        "networkname" => mutating ? Unique() : "default",
                        _ => "hz-missing",
                    };
                }

                return values;
            }

            string Url(Dictionary<string, string> values, string? query = null)
            {
                var path = route.Template;
                foreach (var (name, value) in values)
                {
                    path = path.Replace("{" + name + "}", HostileInputs.Segment(value), StringComparison.Ordinal);
                }

                return query is null ? path : path + "?" + query;
            }

            byte[]? DefaultBody() => route.BodySchema is { } schema ? HostileInputs.Serialize(HostileInputs.Minimal(schema, Unique()), new Dictionary<string, string>()) : null;

            // Path parameters, the target's words included.
            foreach (var parameter in route.PathParameters)
            {
                var values = parameter switch
                {
                    "hypervisor" => HostileInputs.Hypervisors.Concat(HostileInputs.Strings),
                    "host" => HostileInputs.Hosts.Concat(HostileInputs.Strings),
                    _ => HostileInputs.Strings,
                };
                foreach (var value in values)
                {
                    // Names of what the test hypervisor holds are not hostile: a DELETE with them is a real delete.
                    if (value.Length == 0 || (mutating && value is "test" or "default"))
                    {
                        continue;
                    }

                    var baseline = Baseline();
                    baseline[parameter] = value;
                    yield return new HostileRequest($"path:{parameter} {label}", route.Method, Url(baseline), DefaultBody(), []);
                }
            }

            // Query parameters.
            foreach (var parameter in route.QueryParameters)
            {
                foreach (var value in HostileInputs.Strings.Concat(HostileInputs.RawValues))
                {
                    yield return new HostileRequest($"query:{parameter} {label}", route.Method, Url(Baseline(), $"{parameter}={HostileInputs.Segment(value)}"), DefaultBody(), []);
                }
            }

            // Headers.
            foreach (var (name, headers, sendKey) in HostileInputs.HostileHeaders(apiKey))
            {
                yield return new HostileRequest($"header:{name} {label}", route.Method, Url(Baseline()), DefaultBody(), headers, sendKey);
            }

            // Whole bodies.
            if (route.BodySchema is not null || route.AcceptsArchive)
            {
                foreach (var (name, body) in HostileInputs.MalformedBodies())
                {
                    yield return new HostileRequest($"body:{name} {label}", route.Method, Url(Baseline()), body, []);
                }
            }

            if (route.AcceptsArchive)
            {
                foreach (var (name, body) in HostileInputs.HostileArchives())
                {
                    yield return new HostileRequest($"archive:{name} {label}", route.Method, Url(Baseline()), body, [new("Content-Type", "application/x-tar")]);
                }
            }

            // Every field of the body, at any depth: every hostile string and every raw value.
            if (route.BodySchema is { } bodySchema)
            {
                foreach (var leaf in HostileInputs.Leaves(bodySchema, []))
                {
                    foreach (var value in HostileInputs.Strings)
                    {
                        var body = HostileInputs.Minimal(bodySchema, Unique());
                        HostileInputs.SetPath(body, leaf, JsonValue.Create(value));
                        yield return new HostileRequest($"field:{string.Join('.', leaf)} {label}", route.Method, Url(Baseline()), HostileInputs.Serialize(body, new Dictionary<string, string>()), []);
                    }

                    foreach (var raw in HostileInputs.RawValues)
                    {
                        var body = HostileInputs.Minimal(bodySchema, Unique());
                        HostileInputs.SetPath(body, leaf, JsonValue.Create("__RAW__"));
                        yield return new HostileRequest(
                            $"field:{string.Join('.', leaf)} {label}", route.Method, Url(Baseline()), HostileInputs.Serialize(body, new Dictionary<string, string> { ["__RAW__"] = raw }), []);
                    }
                }
            }
        }
    }
}
