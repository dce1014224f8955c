using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Simplestack.Core;
using Simplestack.Server.Tests.Events;

namespace Simplestack.IntegrationTests;

/// <summary>
/// API.md §9 on the real libvirtd with QEMU: events for changes made with virsh (lifecycle and
/// metadata) and through the gateway, resumed with Last-Event-ID; a keyed create retried on another gateway process and after a
/// restart makes one guest; long work followed as a stream ends with the plain answer (a clone,
/// an import); wait_for=ip on a booting guest.
/// </summary>
public sealed class AutomationTests : GatewayOnQemu
{
    [Fact]
    public async Task Events_tell_changes_made_with_virsh_and_through_the_gateway_and_resume_with_last_event_id()
    {
        await using var events = await SseStream.OpenAsync(Http, "/kvm/localhost/events");
        await events.NextAsync(e => e.Type == "comment" && e.Comment == "subscribed");

        // Beside the gateway, with virsh.
        var name = NewName("ev");
        var xml = Path.Combine(Path.GetTempPath(), name + ".xml");
        await File.WriteAllTextAsync(
            xml, $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>", Ct);
        try
        {
            Virsh("define", xml);
        }
        finally
        {
            File.Delete(xml);
        }

        var created = await events.NextAsync(e => e.Type == GuestEventTypes.Created && GuestName(e) == name, TimeSpan.FromSeconds(10));
        var uuid = created.GuestId!;
        Virsh("start", name);
        await events.NextAsync(e => e.Type == GuestEventTypes.State && e.GuestId == uuid && e.Json.GetProperty("state").GetString() == "STARTED", TimeSpan.FromSeconds(10));
        Virsh("destroy", name);
        var stopped = await events.NextAsync(e => e.Type == GuestEventTypes.State && e.GuestId == uuid && e.Json.GetProperty("state").GetString() == "STOPPED", TimeSpan.FromSeconds(10));

        // A change that is no lifecycle event: tags written with virsh into the metadata the gateway reads.
        Virsh("metadata", name, "--uri", "https://simplestack.dev/xmlns/tags/1", "--key", "simplestack", "--set", "<tags><tag>from-virsh</tag></tags>", "--config");
        await events.NextAsync(GuestEventTypes.Changed, uuid, TimeSpan.FromSeconds(10));
        var tagged = await SendAsync<List<Guest>>(HttpMethod.Get, Guests("?tag=from-virsh"), null, HttpStatusCode.OK);
        Assert.Equal([uuid], tagged.Select(g => g.Id));

        // Through the gateway, while a second subscriber is away: it resumes from the last id it saw.
        var own = await CreateGuestAsync(new { name = NewName("ev"), memory = 32, cpus = 1 });
        await events.NextAsync(GuestEventTypes.Created, own.Id, TimeSpan.FromSeconds(10));
        Virsh("undefine", name);
        await events.NextAsync(GuestEventTypes.Deleted, uuid, TimeSpan.FromSeconds(10));

        await using var resumed = await SseStream.OpenAsync(Http, "/kvm/localhost/events", lastEventId: stopped.Id);
        var missed = await resumed.NextAsync(GuestEventTypes.Created, own.Id, TimeSpan.FromSeconds(10));
        Assert.NotNull(missed.Id);
        await resumed.NextAsync(GuestEventTypes.Deleted, uuid, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_keyed_create_retried_on_another_gateway_and_after_a_restart_makes_one_guest()
    {
        var name = NewName("key");
        var body = BootableGuest(name, start: false);
        var key = Guid.NewGuid().ToString();
        var first = await PostKeyedAsync(Http, Guests(), body, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var made = (await first.Content.ReadFromJsonAsync<Guest>(Json, Ct))!;

        // Another gateway process finds the key in libvirt.
        await using (var other = await GatewayProcess.StartAsync(GatewaySettings, Ct))
        {
            var retry = await PostKeyedAsync(other.Client, Guests(), body, key);
            Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
            Assert.Equal(made.Id, (await retry.Content.ReadFromJsonAsync<Guest>(Json, Ct))!.Id);
            Assert.Equal(first.Headers.Location, retry.Headers.Location);

            var changed = await PostKeyedAsync(other.Client, Guests(), BootableGuest(name, diskCount: 2, start: false), key);
            Assert.Equal((HttpStatusCode)422, changed.StatusCode);
        }

        // A gateway process started after that one ended: the key is the hypervisor's, not a process's.
        await using (var restarted = await GatewayProcess.StartAsync(GatewaySettings, Ct))
        {
            var retry = await PostKeyedAsync(restarted.Client, Guests(), body, key);
            Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
            Assert.Equal(made.Id, (await retry.Content.ReadFromJsonAsync<Guest>(Json, Ct))!.Id);
        }

        Assert.Single(Native.ListAllDomains(), d => { using (d) { return d.Name == name; } });
        using var pool = Native.TryLookupStoragePoolByName(Substrate.Pool)!;
        Substrate.TryRefresh(pool);
        Assert.Single(pool.ListAllVolumes(), v => { using (v) { return v.Name.StartsWith(name, StringComparison.Ordinal); } });
        Assert.DoesNotContain(pool.ListAllVolumes(), v => { using (v) { return v.Name.StartsWith("simplestack-key-", StringComparison.Ordinal); } });
    }

    [Fact]
    public async Task A_followed_clone_and_import_end_with_the_answer_the_plain_request_gives()
    {
        var source = await CreateGuestAsync(BootableGuest(NewName("src"), start: false));

        var cloneName = NewName("cln");
        var key = Guid.NewGuid().ToString();
        var clone = await FollowAsync(Guests($"/{source.Id}/clone"), JsonContent.Create(new { name = cloneName }, options: Json), key);
        Assert.Contains(clone.Progress, p => p.Phase == "copying disk vda");
        Assert.Equal(201, clone.Result.GetProperty("status").GetInt32());
        // The plain retry of the same keyed request answers the very same thing.
        var plain = await PostKeyedAsync(Http, Guests($"/{source.Id}/clone"), new { name = cloneName }, key);
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
        Assert.Equal(clone.Result.GetProperty("location").GetString(), plain.Headers.Location!.OriginalString);
        AssertSameGuest(clone.Result.GetProperty("body"), await plain.Content.ReadFromJsonAsync<JsonElement>(Ct));

        // Export the clone, delete it, import it back followed: progress is the archive uploaded.
        var archive = Path.GetTempFileName();
        try
        {
            using (var export = await Http.GetAsync(Guests($"/{clone.Result.GetProperty("body").GetProperty("id").GetString()}/export"), HttpCompletionOption.ResponseHeadersRead, Ct))
            {
                Assert.Equal(HttpStatusCode.OK, export.StatusCode);
                await using var file = File.Create(archive);
                await export.Content.CopyToAsync(file, Ct);
            }

            await ExpectAsync(HttpMethod.Delete, Guests("/" + cloneName), null, HttpStatusCode.NoContent);
            var content = new StreamContent(File.OpenRead(archive));
            content.Headers.ContentLength = new FileInfo(archive).Length;
            var import = await FollowAsync(Guests(), content, key: null);
            var uploading = import.Progress.Where(p => p.Phase == "uploading").Select(p => p.Percent).ToList();
            Assert.True(uploading.Count >= 3, $"only {uploading.Count} upload reports");
            Assert.Equal(uploading.Order(), uploading);
            Assert.Equal(201, import.Result.GetProperty("status").GetInt32());
            var back = await GetGuestAsync(cloneName);
            Assert.Equal(back.Id, import.Result.GetProperty("body").GetProperty("id").GetString());
            Assert.Equal($"/kvm/localhost/guests/{back.Id}", import.Result.GetProperty("location").GetString());
        }
        finally
        {
            File.Delete(archive);
        }
    }

    [Fact]
    public async Task Wait_for_ip_answers_once_a_booting_guest_has_an_address()
    {
        var guest = await CreateGuestAsync(BootableGuest(NewName("ip")));
        Assert.Null(guest.Ip);
        var clock = Stopwatch.StartNew();
        var answered = await SendAsync<Guest>(HttpMethod.Get, Guests($"/{guest.Id}?wait_for=ip&timeout=240"), null, HttpStatusCode.OK);
        Assert.StartsWith("192.168.122.", answered.Ip, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine($"address after {clock.Elapsed.TotalSeconds:0.0} s");

        // A stopped guest has none to wait for: the wait ends at its timeout with 504.
        var stopped = await CreateGuestAsync(BootableGuest(NewName("ip"), start: false));
        using var late = await SendAsync(HttpMethod.Get, Guests($"/{stopped.Id}?wait_for=ip&timeout=1"));
        Assert.Equal(HttpStatusCode.GatewayTimeout, late.StatusCode);
    }

    private static void AssertSameGuest(JsonElement streamed, JsonElement plain)
    {
        Assert.Equal(plain.GetProperty("id").GetString(), streamed.GetProperty("id").GetString());
        Assert.Equal(plain.GetProperty("name").GetString(), streamed.GetProperty("name").GetString());
        Assert.Equal(plain.GetProperty("state").GetString(), streamed.GetProperty("state").GetString());
        Assert.Equal(plain.GetProperty("hdd").GetDouble(), streamed.GetProperty("hdd").GetDouble());
        Assert.Equal(plain.GetProperty("memory").GetInt64(), streamed.GetProperty("memory").GetInt64());
    }

    private static string? GuestName(SseEvent e) => e.Json.TryGetProperty("guest", out var g) ? g.GetProperty("name").GetString() : null;

    private static async Task<HttpResponseMessage> PostKeyedAsync(HttpClient client, string path, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request, Ct);
    }

    private sealed record Followed(List<(double Percent, string Phase)> Progress, JsonElement Result);

    private async Task<Followed> FollowAsync(string path, HttpContent content, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var progress = new List<(double, string)>();
        JsonElement? result = null;
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var type = block.Split('\n').FirstOrDefault(l => l.StartsWith("event: ", StringComparison.Ordinal))?[7..];
            var data = block.Split('\n').FirstOrDefault(l => l.StartsWith("data: ", StringComparison.Ordinal))?[6..];
            if (type == "progress" && data is not null)
            {
                var json = JsonDocument.Parse(data).RootElement;
                progress.Add((json.GetProperty("percent").GetDouble(), json.GetProperty("phase").GetString()!));
            }
            else if (type == "result" && data is not null)
            {
                Assert.Null(result);
                result = JsonDocument.Parse(data).RootElement.Clone();
            }
        }

        Assert.True(result is not null, "no result event: " + text);
        return new Followed(progress, result.Value);
    }

    private static void Virsh(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("virsh", ["-c", Substrate.QemuUri, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"virsh {string.Join(' ', arguments)}: {error}");
    }
}
