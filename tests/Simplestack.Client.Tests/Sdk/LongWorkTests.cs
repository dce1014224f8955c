using System.Net;
using System.Text.Json;
using Simplestack.Client.Models;

namespace Simplestack.Client.Tests.Sdk;

/// <summary>
/// API.md §9 through the SDK on the in-process gateway: the Idempotency-Key each create sends and
/// its retries reuse, the 409 and 422 answers as exceptions, and long work followed as a stream.
/// </summary>
public class LongWorkTests(GatewayFactory factory) : GatewayTestBase(factory)
{
    private static readonly SimplestackRetryPolicy QuickRetries = new() { FirstDelay = TimeSpan.FromMilliseconds(10) };

    /// <summary>An SDK whose requests pass <paramref name="handler"/> before the gateway.</summary>
    private SimplestackClient SdkThrough(DelegatingHandler handler, SimplestackRetryPolicy? retries = null)
    {
        handler.InnerHandler = Factory.Server.CreateHandler();
        return new SimplestackClient(new HttpClient(handler) { BaseAddress = Factory.Server.BaseAddress }, SimplestackTarget.Test)
        {
            Retries = retries ?? QuickRetries,
        };
    }

    private async Task<int> GuestsNamedAsync(string name) => (await Sdk.Guests.ListAsync(new GuestFilter(Name: name), Ct)).Count;

    [Fact]
    public async Task A_create_whose_answer_was_lost_is_retried_with_its_key_and_makes_one_guest()
    {
        var lossy = new LosesFirstAnswer();
        using var sdk = SdkThrough(lossy);
        var name = UniqueName();

        var guest = await sdk.Guests.CreateAsync(new GuestCreateRequest { Name = name, Memory = 128, Cpus = 1 }, Ct);

        Assert.Equal(name, guest.Name);
        Assert.Equal(2, lossy.Keys.Count); // the first made the guest; its answer was lost
        Assert.NotNull(lossy.Keys[0]);
        Assert.Equal(lossy.Keys[0], lossy.Keys[1]);
        Assert.Equal(1, await GuestsNamedAsync(name));
    }

    [Fact]
    public async Task A_followed_import_whose_answer_was_lost_sends_the_archive_again_and_makes_one_guest()
    {
        var name = UniqueName();
        var source = await CreateGuestAsync(name); // the test hypervisor exports guests without disks only
        using var archive = new MemoryStream();
        await Sdk.Guests.ExportAsync(source.Id, archive, cancellationToken: Ct);
        await Sdk.Guests.DeleteAsync(source.Id, cancellationToken: Ct);
        archive.Position = 0;

        var lossy = new LosesFirstAnswer();
        using var sdk = SdkThrough(lossy);
        var imported = await sdk.Guests.ImportAsync(archive, null, null, new LongWorkOptions { Progress = new ReportsKept() }, Ct);

        // The retry found the finished import by its key and answered it plainly, though a stream was asked for.
        Assert.Equal((source.Id, name), (imported.Id, imported.Name));
        Assert.Equal(2, lossy.Keys.Count);
        Assert.Equal(lossy.Keys[0], lossy.Keys[1]);
        Assert.Equal(1, await GuestsNamedAsync(name));
    }

    [Fact]
    public async Task Each_create_has_a_key_of_its_own()
    {
        var recorded = new LosesFirstAnswer { Lose = false };
        using var sdk = SdkThrough(recorded);
        var source = await CreateGuestAsync();
        await sdk.Guests.CreateAsync(new GuestCreateRequest { Name = UniqueName(), Memory = 128 }, Ct);
        await sdk.Guests.CloneAsync(source.Id, UniqueName("clone"), Ct);
        await sdk.Snapshots.CreateAsync(source.Id, cancellationToken: Ct);
        await sdk.Disks.CreateAsync(source.Id, new DiskCreateRequest { Size = 1 }, Ct);
        await sdk.NetworkInterfaces.CreateAsync(source.Id, new NicCreateRequest { Network = "default" }, Ct);

        Assert.Equal(5, recorded.Keys.Count);
        Assert.All(recorded.Keys, k => Assert.True(LongWorkOptions.IsValidKey(k)));
        Assert.Equal(5, recorded.Keys.Distinct().Count());
    }

    [Fact]
    public async Task A_request_without_a_key_is_not_retried()
    {
        // An archive that cannot be sent twice: no key of the SDK's own, and no retry.
        var lossy = new LosesFirstAnswer();
        using var sdk = SdkThrough(lossy);
        await using var archive = new OneWayStream(new MemoryStream(new byte[1024]));

        await Assert.ThrowsAsync<HttpRequestException>(() => sdk.Guests.ImportAsync(archive, cancellationToken: Ct));

        Assert.Equal([null], lossy.Keys);
    }

    [Fact]
    public async Task The_same_key_with_another_request_is_IdempotencyKeyReused_and_makes_nothing()
    {
        var options = new LongWorkOptions { IdempotencyKey = "sdk-" + Guid.NewGuid() };
        var first = await Sdk.Guests.CreateAsync(new GuestCreateRequest { Name = UniqueName(), Memory = 128 }, options, Ct);
        Assert.Equal(first.Id, (await Sdk.Guests.CreateAsync(new GuestCreateRequest { Name = first.Name, Memory = 128 }, options, Ct)).Id);

        var other = UniqueName();
        var error = await Assert.ThrowsAsync<IdempotencyKeyReusedException>(
            () => Sdk.Guests.CreateAsync(new GuestCreateRequest { Name = other, Memory = 128 }, options, Ct));
        Assert.Equal(((HttpStatusCode)422, IdempotencyKeyReusedException.Word), (error.Status, error.Error));
        Assert.Equal(0, await GuestsNamedAsync(other));
    }

    [Fact]
    public async Task Concurrent_creates_with_one_key_answer_one_guest_or_OperationInProgress_with_Retry_After()
    {
        var name = UniqueName();
        var options = new LongWorkOptions { IdempotencyKey = Guid.NewGuid().ToString() };
        Sdk.Retries = SimplestackRetryPolicy.None;
        var attempts = Enumerable.Range(0, 6).Select(async _ =>
        {
            try
            {
                return (Guest: await Sdk.Guests.CreateAsync(new GuestCreateRequest { Name = name, Memory = 128 }, options, Ct), Busy: (OperationInProgressException?)null);
            }
            catch (OperationInProgressException busy)
            {
                return (Guest: (Guest?)null, Busy: busy);
            }
        });
        var answers = await Task.WhenAll(attempts);

        Assert.Single(answers.Where(a => a.Guest is not null).Select(a => a.Guest!.Id).Distinct());
        foreach (var busy in answers.Select(a => a.Busy).OfType<OperationInProgressException>())
        {
            Assert.Equal((HttpStatusCode.Conflict, "OperationInProgress"), (busy.Status, busy.Error));
            Assert.InRange(busy.RetryAfter!.Value.TotalSeconds, 1, 5);
        }

        Assert.Equal(1, await GuestsNamedAsync(name));
    }

    [Fact]
    public async Task Concurrent_creates_with_one_key_wait_out_OperationInProgress_and_all_answer_the_guest()
    {
        var name = UniqueName();
        var options = new LongWorkOptions { IdempotencyKey = Guid.NewGuid().ToString() };
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(
            _ => Sdk.Guests.CreateAsync(new GuestCreateRequest { Name = name, Memory = 128 }, options, Ct)));

        Assert.Single(answers.Select(g => g.Id).Distinct());
        Assert.Equal(1, await GuestsNamedAsync(name));
    }

    [Fact]
    public async Task On_a_driver_that_keeps_no_keys_only_a_key_the_SDK_made_is_dropped()
    {
        var keyless = new RefusesKeys();
        using var sdk = SdkThrough(keyless);
        var name = UniqueName();

        var guest = await sdk.Guests.CreateAsync(new GuestCreateRequest { Name = name, Memory = 128 }, Ct);
        Assert.Equal(name, guest.Name);
        Assert.Equal(2, keyless.Keys.Count);
        Assert.NotNull(keyless.Keys[0]);
        Assert.Null(keyless.Keys[1]);

        keyless.Keys.Clear();
        var other = UniqueName();
        await Assert.ThrowsAsync<FeatureNotImplementedException>(() => sdk.Guests.CreateAsync(
            new GuestCreateRequest { Name = other, Memory = 128 }, new LongWorkOptions { IdempotencyKey = "mine" }, Ct));
        Assert.Equal(["mine"], keyless.Keys);
        Assert.Equal(0, await GuestsNamedAsync(other));
    }

    [Fact]
    public void Error_answers_map_to_OperationInProgress_with_its_Retry_After_and_to_IdempotencyKeyReused()
    {
        var busy = Assert.IsType<OperationInProgressException>(SimplestackApiException.FromResponse(
            HttpStatusCode.Conflict, """{"error":"OperationInProgress","message":"still at work","status":409}""", retryAfter: TimeSpan.FromSeconds(3)));
        Assert.Equal(("still at work", TimeSpan.FromSeconds(3)), (busy.Message, busy.RetryAfter));
        Assert.IsAssignableFrom<ConflictException>(busy);

        Assert.IsType<ConflictException>(SimplestackApiException.FromResponse(HttpStatusCode.Conflict, """{"error":"Conflict","message":"taken"}"""));
        Assert.IsType<IdempotencyKeyReusedException>(SimplestackApiException.FromResponse(
            (HttpStatusCode)422, """{"error":"IdempotencyKeyReused","message":"another request","status":422}"""));
    }

    [Fact]
    public async Task A_followed_clone_reports_progress_and_returns_what_the_plain_request_answers()
    {
        var source = await CreateGuestAsync(disks: [new DiskSpec(1)]);
        var seen = new ReportsKept();
        var options = new LongWorkOptions { IdempotencyKey = Guid.NewGuid().ToString(), Progress = seen };
        var name = UniqueName("clone");

        var followed = await Sdk.Guests.CloneAsync(source.Id, name, options, Ct);

        Assert.Equal(name, followed.Name);
        Assert.Equal(new WorkProgress(100, "done"), seen.Reports[^1]); // the gateway sends its latest report; earlier ones may be passed over
        var percents = seen.Reports.Select(r => r.Percent).ToList();
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(100, percents[^1]);

        // The same request, plain and with the same key: the first clone, as a plain answer gives it.
        var plain = await Sdk.Guests.CloneAsync(source.Id, name, options with { Progress = null }, Ct);
        Assert.Equal(JsonSerializer.Serialize(plain, SimplestackJson.Options), JsonSerializer.Serialize(followed, SimplestackJson.Options));
    }

    [Fact]
    public async Task A_followed_request_that_fails_throws_what_the_plain_request_throws()
    {
        var source = await CreateGuestAsync();
        var taken = await CreateGuestAsync();
        var plain = await Assert.ThrowsAsync<ConflictException>(() => Sdk.Guests.CloneAsync(source.Id, taken.Name, Ct));

        var seen = new ReportsKept();
        var followed = await Assert.ThrowsAsync<ConflictException>(
            () => Sdk.Guests.CloneAsync(source.Id, taken.Name, new LongWorkOptions { Progress = seen }, Ct));

        Assert.Equal((plain.Status, plain.Error, plain.Message), (followed.Status, followed.Error, followed.Message));
        Assert.NotEmpty(seen.Reports); // it was followed: the failure came as the stream's result
    }

    [Fact]
    public async Task A_followed_disk_grow_ends_as_the_plain_one()
    {
        // The test hypervisor cannot resize a volume: both end with the same 501.
        var guest = await CreateGuestAsync(disks: [new DiskSpec(1)]);
        var request = new DiskUpdateRequest { Size = 2 };
        var plain = await Assert.ThrowsAsync<FeatureNotImplementedException>(() => Sdk.Disks.UpdateAsync(guest.Id, "vda", request, Ct));

        var seen = new ReportsKept();
        var followed = await Assert.ThrowsAsync<FeatureNotImplementedException>(() => Sdk.Disks.UpdateAsync(guest.Id, "vda", request, seen, Ct));

        Assert.Equal((plain.Status, plain.Error, plain.Message), (followed.Status, followed.Error, followed.Message));
        Assert.NotEmpty(seen.Reports); // it was followed: the failure came as the stream's result
    }

    [Fact]
    public async Task A_key_the_gateway_would_refuse_is_refused_before_sending()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Sdk.Guests.CreateAsync(
            new GuestCreateRequest { Name = UniqueName(), Memory = 128 }, new LongWorkOptions { IdempotencyKey = "caf\u00e9" }, Ct));
        Assert.Contains("Idempotency-Key", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Keeps every report (synchronously, in order).</summary>
    private sealed class ReportsKept : IProgress<WorkProgress>
    {
        public List<WorkProgress> Reports { get; } = [];

        public void Report(WorkProgress value) => Reports.Add(value);
    }

    /// <summary>
    /// Records each POST's Idempotency-Key; the first POST reaches the gateway (which does its
    /// work) but its answer is lost, as when a connection drops on the way back.
    /// </summary>
    private sealed class LosesFirstAnswer : DelegatingHandler
    {
        public bool Lose { get; init; } = true;

        public List<string?> Keys { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            int count;
            lock (Keys)
            {
                Keys.Add(request.Headers.TryGetValues("Idempotency-Key", out var values) ? values.Single() : null);
                count = Keys.Count;
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (Lose && count == 1)
            {
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
                response.Dispose();
                throw new HttpRequestException("The connection was reset (the answer was lost).");
            }

            return response;
        }
    }

    /// <summary>Answers a POST with a key as the gateway does on a driver that keeps no keys (501, nothing done).</summary>
    private sealed class RefusesKeys : DelegatingHandler
    {
        public List<string?> Keys { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post)
            {
                return base.SendAsync(request, cancellationToken);
            }

            var key = request.Headers.TryGetValues("Idempotency-Key", out var values) ? values.Single() : null;
            Keys.Add(key);
            return key is null
                ? base.SendAsync(request, cancellationToken)
                : Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotImplemented)
                {
                    Content = new StringContent(
                        """{"error":"FeatureNotAvailable","message":"The xen driver cannot keep idempotency keys; send the request without Idempotency-Key.","status":501}""",
                        System.Text.Encoding.UTF8,
                        "application/json"),
                });
        }
    }

    /// <summary>A stream read once, from the start: it cannot seek.</summary>
    private sealed class OneWayStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
