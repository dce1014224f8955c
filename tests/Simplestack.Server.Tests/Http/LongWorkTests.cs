using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Simplestack.Core;

namespace Simplestack.Server.Tests.Http;

/// <summary>
/// API.md §9 on the test hypervisor: Idempotency-Key on creating POSTs (retry answers the first
/// result and makes nothing; another body 422; concurrent retries one guest) and long work
/// followed with Accept: text/event-stream (progress, then a result equal to the plain answer).
/// </summary>
public class LongWorkTests(GatewayFactory factory) : HttpTestBase(factory)
{
    private async Task<HttpResponseMessage> PostAsync(string url, string? json, string? key = null, bool follow = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        if (follow)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        return await Client.SendAsync(request, Ct);
    }

    private static string GuestBody(string name, int memory = 128) => $$"""{"name": "{{name}}", "memory": {{memory}}, "cpus": 1}""";

    private async Task<int> DomainsNamedAsync(string name)
    {
        var libvirt = await LibvirtAsync();
        return libvirt.ListAllDomains().Count(d => { using (d) { return d.Name == name; } });
    }

    [Fact]
    public async Task A_retried_create_with_the_same_key_answers_the_first_guest_and_makes_no_other()
    {
        var name = UniqueName();
        var key = Guid.NewGuid().ToString();
        var first = await PostAsync($"{Base}/guests", GuestBody(name), key);
        await first.ShouldBeAsync(HttpStatusCode.Created);
        var made = await first.ReadAsync<Guest>();

        // The retry's JSON is written differently (spacing, key order): the same request.
        var retry = await PostAsync($"{Base}/guests", $$"""{ "cpus":1,"memory":128,   "name":"{{name}}" }""", key);
        await retry.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal(made.Id, (await retry.ReadAsync<Guest>()).Id);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(1, await DomainsNamedAsync(name));

        // Without a key, the same body is a new request: the name is taken.
        await (await PostAsync($"{Base}/guests", GuestBody(name))).ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_and_makes_nothing()
    {
        var key = Guid.NewGuid().ToString();
        await (await PostAsync($"{Base}/guests", GuestBody(UniqueName()), key)).ShouldBeAsync(HttpStatusCode.Created);

        var other = UniqueName();
        var error = await (await PostAsync($"{Base}/guests", GuestBody(other), key)).ShouldBeErrorAsync((HttpStatusCode)422, "IdempotencyKeyReused");
        Assert.Contains("Idempotency-Key", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await DomainsNamedAsync(other));
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_make_one_guest()
    {
        var name = UniqueName();
        var key = Guid.NewGuid().ToString();
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostAsync($"{Base}/guests", GuestBody(name), key)));

        var created = answers.Where(a => a.StatusCode == HttpStatusCode.Created).ToList();
        Assert.NotEmpty(created);
        Assert.Single((await Task.WhenAll(created.Select(c => c.ReadAsync<Guest>()))).Select(g => g.Id).Distinct());
        foreach (var busy in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
        {
            await busy.ShouldBeErrorAsync(HttpStatusCode.Conflict, "OperationInProgress");
            Assert.InRange(busy.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, 5);
        }

        Assert.Equal(1, await DomainsNamedAsync(name));
    }

    [Theory]
    [InlineData("caf\u00e9")]
    [InlineData("tab\there")]
    public async Task A_malformed_key_is_400_and_makes_nothing(string key)
    {
        var name = UniqueName();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Base}/guests") { Content = new StringContent(GuestBody(name), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        await (await Client.SendAsync(request, Ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
        Assert.Equal(0, await DomainsNamedAsync(name));
    }

    [Fact]
    public async Task A_key_of_256_characters_is_400_and_255_is_taken()
    {
        await (await PostAsync($"{Base}/guests", GuestBody(UniqueName()), new string('k', 256))).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
        await (await PostAsync($"{Base}/guests", GuestBody(UniqueName()), new string('k', 254) + Guid.NewGuid().ToString("N")[..1])).ShouldBeAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_retried_snapshot_without_a_name_answers_the_first_one()
    {
        var guest = await CreateGuestAsync();
        var url = $"{Base}/guests/{guest.Id}/snapshots";
        var key = Guid.NewGuid().ToString();
        var first = await PostAsync(url, null, key);
        await first.ShouldBeAsync(HttpStatusCode.Created);
        var snapshot = await first.ReadAsync<Snapshot>();
        await Task.Delay(20, Ct); // a generated name would differ now

        var retry = await PostAsync(url, null, key);
        await retry.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal(snapshot.Id, (await retry.ReadAsync<Snapshot>()).Id);
        Assert.Single(await Client.GetAsync<List<Snapshot>>(url));

        // The key's record is the guest's: on another guest the same key is a new request.
        var other = await CreateGuestAsync();
        await (await PostAsync($"{Base}/guests/{other.Id}/snapshots", null, key)).ShouldBeAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_retried_disk_and_nic_answer_the_first_ones()
    {
        var guest = await CreateGuestAsync();
        var key = Guid.NewGuid().ToString();
        foreach (var (route, body) in new[] { ("disks", """{"size": 1}"""), ("network_interfaces", """{"network": "default"}""") })
        {
            var url = $"{Base}/guests/{guest.Id}/{route}";
            var before = (await Client.GetAsync<List<JsonElement>>(url)).Count;
            var first = await PostAsync(url, body, key);
            await first.ShouldBeAsync(HttpStatusCode.Created);
            var retry = await PostAsync(url, body, key);
            await retry.ShouldBeAsync(HttpStatusCode.Created);
            Assert.Equal(first.Headers.Location, retry.Headers.Location);
            Assert.Equal(before + 1, (await Client.GetAsync<List<JsonElement>>(url)).Count);
        }
    }

    [Fact]
    public async Task A_followed_create_streams_progress_and_ends_with_the_plain_answer()
    {
        var name = UniqueName();
        var response = await PostAsync($"{Base}/guests", GuestBody(name), follow: true);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await ReadEventsAsync(response);

        var progress = events.Where(e => e.Type == "progress").Select(e => e.Json.GetProperty("percent").GetDouble()).ToList();
        Assert.NotEmpty(progress);
        Assert.Equal(progress.Order(), progress);
        Assert.Equal(100, progress[^1]);
        var result = Assert.Single(events, e => e.Type == "result");
        Assert.Same(result, events[^1]);
        Assert.Equal(201, result.Json.GetProperty("status").GetInt32());

        var guest = await Client.GetAsync<Guest>($"{Base}/guests/{name}");
        Assert.Equal($"{Base}/guests/{guest.Id}", result.Json.GetProperty("location").GetString());
        Assert.Equal(guest.Id, result.Json.GetProperty("body").GetProperty("id").GetString());
        Assert.Equal("STOPPED", result.Json.GetProperty("body").GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_followed_request_that_fails_ends_with_the_plain_error()
    {
        var taken = await CreateGuestAsync();
        var plain = await (await PostAsync($"{Base}/guests", GuestBody(taken.Name))).ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");

        var events = await ReadEventsAsync(await PostAsync($"{Base}/guests", GuestBody(taken.Name), follow: true));
        var result = events[^1];
        Assert.Equal("result", result.Type);
        Assert.Equal(409, result.Json.GetProperty("status").GetInt32());
        Assert.Equal(plain.GetRawText(), result.Json.GetProperty("body").GetRawText());
    }

    [Fact]
    public async Task A_followed_clone_with_a_key_ends_with_the_same_answer_as_its_plain_retry()
    {
        var source = await CreateGuestAsync(extra: """, "disks": [{"size": 1}]""");
        var key = Guid.NewGuid().ToString();
        var body = $$"""{"name": "{{UniqueName("clone")}}"}""";
        var events = await ReadEventsAsync(await PostAsync($"{Base}/guests/{source.Id}/clone", body, key, follow: true));
        var phases = events.Where(e => e.Type == "progress").Select(e => e.Json.GetProperty("phase").GetString()).ToList();
        Assert.Contains("copying disk vda", phases);
        var result = events[^1].Json;
        Assert.Equal(201, result.GetProperty("status").GetInt32());

        var retry = await PostAsync($"{Base}/guests/{source.Id}/clone", body, key);
        await retry.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal(result.GetProperty("location").GetString(), retry.Headers.Location!.OriginalString);
        Assert.Equal(result.GetProperty("body").GetProperty("id").GetString(), (await retry.ReadAsync<Guest>()).Id);
    }

    [Fact]
    public async Task A_plain_request_is_answered_as_before()
    {
        var response = await PostAsync($"{Base}/guests", GuestBody(UniqueName()));
        await response.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    internal sealed record Event(string Type, string Data)
    {
        public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();
    }

    /// <summary>Reads a followed request's whole stream (it ends after the result event).</summary>
    internal static async Task<List<Event>> ReadEventsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var events = new List<Event>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var type = lines.FirstOrDefault(l => l.StartsWith("event: ", StringComparison.Ordinal))?["event: ".Length..];
            var data = lines.FirstOrDefault(l => l.StartsWith("data: ", StringComparison.Ordinal))?["data: ".Length..];
            if (type is not null && data is not null)
            {
                events.Add(new Event(type, data));
            }
        }

        return events;
    }
}
