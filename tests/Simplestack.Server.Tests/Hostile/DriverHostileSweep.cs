using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Simplestack.Server.Tests.Hostile;

/// <summary>
/// The hostile-input sweep over one driver's routes (every route of <c>docs/openapi.json</c> on
/// <c>root</c>: every path parameter, query parameter, header set, malformed body and body field),
/// shared by the xen and vmware suites, which set up their hypervisor and assert on the result.
/// A request is a failure when it answers a 5xx but an allowed 501, or an error that is not JSON
/// or shows internals (<c>internals</c>: a marker of the driver's wire, such as a session ref);
/// what a request was allowed to create (a 201 with a Location) is deleted through the API at once.
/// </summary>
internal static class DriverHostileSweep
{
    /// <summary>What a sweep saw; the caller prints it and asserts on <see cref="Failures"/>.</summary>
    public sealed record Result(
        int Generated, int Sent, int Routes, int Created, TimeSpan Elapsed,
        IReadOnlyCollection<string> Lacking, IReadOnlyDictionary<int, int> Statuses,
        IReadOnlyCollection<string> Failures, IReadOnlyCollection<string> NotImplementedMessages)
    {
        public string Summary(string driver)
            => $"{Sent} hostile requests (of {Generated} generated) over {Routes} {driver} routes in {Elapsed.TotalSeconds:0.0} s; "
               + $"{Created} accepted creations deleted again; 501 routes: {Lacking.Count}; answers: "
               + string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}x{s.Value}"));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <param name="ids">Existing objects to aim reads at: guestId, storageId, hostId (networkId optional).</param>
    public static async Task<Result> RunAsync(HttpClient client, string driver, string root, Dictionary<string, string> ids, int maxRequests, string internals)
    {
        var routes = OpenApiRoutes.Load().Where(r => r.IsTargetRoute).ToList();
        Assert.Contains(routes, r => r.Template.EndsWith("/guests/{guestId}/power", StringComparison.Ordinal));

        // Which routes the driver lacks as a whole: their valid request (the baseline) answers 501 too.
        var lacking = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            var (status, body, location) = await SendAsync(client, Baseline(route, root, ids), Ct);
            await UndoAsync(client, status, location, new ConcurrentQueue<string>(), Ct);
            if (Lacks(driver, status, body))
            {
                lacking.Add(route.ToString());
            }
        }

        var all = routes.SelectMany(route => Generate(route, root, ids)).ToList();
        var step = Math.Max(1, (all.Count + maxRequests - 1) / maxRequests);
        var requests = all.Where((r, i) => !r.Category.StartsWith("field:", StringComparison.Ordinal) || i % step == 0).ToList();
        Assert.All(routes, r => Assert.Contains(requests, q => q.Category.EndsWith(r.ToString(), StringComparison.Ordinal)));

        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        var unimplemented = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var created = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (request, ct) =>
        {
            var (status, body, location) = await SendAsync(client, request, ct);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            var problem = Lacks(driver, status, body) ? null : Judge(status, body, internals);
            if (problem is null && status == (int)HttpStatusCode.NotImplemented)
            {
                unimplemented.TryAdd(JsonDocument.Parse(body).RootElement.GetProperty("message").GetString()!, 0);
            }
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

        return new Result(all.Count, requests.Count, routes.Count, created, watch.Elapsed, lacking, statuses, failures, [.. unimplemented.Keys.Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// A 501 the API allows: FeatureNotImplemented naming the driver, for a whole route it lacks or
    /// a part of a request it does not build yet; or FeatureNotAvailable, what the hypervisor itself
    /// cannot do (a Xen NIC model, vcsim's RebootGuest), as the gateway's own hostile suite allows.
    /// Any other 501 is a failure.
    /// </summary>
    private static bool Lacks(string driver, int status, string body)
        => status == (int)HttpStatusCode.NotImplemented
           && ((body.Contains("\"error\":\"FeatureNotImplemented\"", StringComparison.Ordinal)
                && body.Contains($"\"message\":\"The {driver} driver does not ", StringComparison.Ordinal))
               || body.Contains("\"error\":\"FeatureNotAvailable\"", StringComparison.Ordinal));

    internal static async Task<string> FirstIdAsync(HttpClient client, string url)
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
    private static string? Judge(int status, string body, string internals)
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
            || body.Contains(internals, StringComparison.Ordinal))
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
            // Headers first: a streaming answer (the events route) is judged by its status and never read to its end.
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
            var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? string.Empty : await response.Content.ReadAsStringAsync(ct);
            return ((int)response.StatusCode, body, response.Headers.Location?.OriginalString);
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

    internal static string Cut(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
