using System.Diagnostics;
using System.Diagnostics.Metrics;
using Simplestack.Core;

namespace Simplestack.Core.Tests;

/// <summary>The rules every driver's hypervisor calls follow: slots, timeout, the dead-connection 503, metrics.</summary>
public sealed class HypervisorCallPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_call_that_hangs_answers_a_timeout_and_keeps_its_slot_until_it_returns()
    {
        var policy = new HypervisorCallPolicy("test", maxConcurrency: 1, TimeSpan.FromMilliseconds(300));
        var hung = new TaskCompletionSource<int>();

        var first = await Assert.ThrowsAsync<HypervisorTimeoutException>(() => policy.RunAsync(() => hung.Task, "Hang", Ct));
        Assert.Equal(ErrorKind.HypervisorTimeout, first.Kind);

        // The only slot is still held by the hung call: a call queued behind it times out as well,
        // within the same budget, instead of waiting for the hypervisor forever.
        var watch = Stopwatch.StartNew();
        var queued = await Assert.ThrowsAsync<HypervisorTimeoutException>(() => policy.RunAsync(() => Task.FromResult(42), "Queued", Ct));
        Assert.Contains("still waiting", queued.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the queued call waited {watch.Elapsed}");

        // Once the hung call returns, its slot is free again.
        hung.SetResult(0);
        Assert.Equal(42, await policy.RunAsync(() => Task.FromResult(42), "After", Ct));
    }

    [Fact]
    public async Task Calls_within_the_timeout_return_their_result_and_errors_keep_their_kind()
    {
        var policy = new HypervisorCallPolicy("test", maxConcurrency: 2, TimeSpan.FromSeconds(10));
        Assert.Equal("ok", await policy.RunAsync(() => Task.FromResult("ok"), "Ok", Ct));
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => policy.RunAsync<int>(() => throw new InvalidArgumentException("bad"), "Bad", Ct));
        Assert.Equal("bad", error.Message);

        // A start that throws before any task exists gives its slot back.
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => policy.RunAsync<int>(() => throw new InvalidArgumentException("again"), "Bad", Ct));
        }

        Assert.Equal(1, await policy.RunAsync(() => Task.FromResult(1), "Ok", Ct));
    }

    [Theory]
    [InlineData(true, ErrorKind.HypervisorError)]
    [InlineData(false, ErrorKind.HypervisorUnavailable)]
    public async Task A_hypervisor_error_on_a_dead_connection_is_unavailable(bool alive, ErrorKind expected)
    {
        var policy = new HypervisorCallPolicy("kvm", 4, TimeSpan.FromSeconds(10)) { IsAlive = () => alive };

        var error = await Assert.ThrowsAnyAsync<SimplestackException>(
            () => policy.RunAsync<int>(() => Task.FromException<int>(new HypervisorErrorException("End of file while reading data")), "ListGuests", Ct));

        Assert.Equal(expected, error.Kind);
        Assert.Contains("End of file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_not_found_stays_a_not_found_even_on_a_dead_connection()
    {
        var policy = new HypervisorCallPolicy("kvm", 4, TimeSpan.FromSeconds(10)) { IsAlive = () => throw new InvalidOperationException("closed") };
        await Assert.ThrowsAsync<EntityNotFoundException>(
            () => policy.RunAsync<int>(() => Task.FromException<int>(EntityNotFoundException.Of("guest", "x")), "GetGuest", Ct));
    }

    [Fact]
    public async Task Every_call_is_measured_on_the_one_hypervisor_meter()
    {
        var hypervisor = $"metered-{Guid.NewGuid():N}";
        var durations = new List<(double Seconds, string? Operation, string? Outcome)>();
        var errors = new List<string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HypervisorMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            if (Tag(tags, "hypervisor") == hypervisor)
            {
                lock (durations)
                {
                    durations.Add((value, Tag(tags, "operation"), Tag(tags, "outcome")));
                }
            }
        });
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            if (Tag(tags, "hypervisor") == hypervisor)
            {
                lock (errors)
                {
                    errors.Add(Tag(tags, "kind"));
                }
            }
        });
        listener.Start();

        var policy = new HypervisorCallPolicy(hypervisor, 2, TimeSpan.FromSeconds(10));
        await policy.RunAsync(() => Task.FromResult(1), "GetGuestAsync", Ct);
        await Assert.ThrowsAsync<ConflictException>(() => policy.RunAsync<int>(() => throw new ConflictException("running"), "DeleteGuestAsync", Ct));

        Assert.Equal([("GetGuest", "ok"), ("DeleteGuest", "error")], durations.Select(d => (d.Operation, d.Outcome)).Select(d => (d.Operation!, d.Outcome!)));
        Assert.All(durations, d => Assert.InRange(d.Seconds, 0, 10));
        Assert.Equal(["Conflict"], errors);
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
