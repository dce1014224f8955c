using System.Diagnostics;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Tests.Unit;

/// <summary>The bounded, timed runner of blocking hypervisor calls.</summary>
public sealed class LibvirtCallsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_call_that_hangs_answers_a_timeout_and_keeps_its_slot_until_it_returns()
    {
        var calls = new LibvirtCalls("test", maxConcurrency: 1, TimeSpan.FromMilliseconds(300));
        using var hung = new ManualResetEventSlim(false);

        var first = await Assert.ThrowsAsync<HypervisorTimeoutException>(() => calls.RunAsync(() => hung.Wait(TimeSpan.FromSeconds(30)), Ct));
        Assert.Equal(ErrorKind.HypervisorTimeout, first.Kind);

        // The only slot is still held by the hung call: a call queued behind it times out as well,
        // within the same budget, instead of waiting for the hypervisor forever.
        var watch = Stopwatch.StartNew();
        var queued = await Assert.ThrowsAsync<HypervisorTimeoutException>(() => calls.RunAsync(() => 42, Ct));
        Assert.Contains("still waiting", queued.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the queued call waited {watch.Elapsed}");

        // Once the hung call returns, its slot is free again.
        hung.Set();
        Assert.Equal(42, await WaitForSlotAsync(calls));
    }

    [Fact]
    public async Task Calls_within_the_timeout_return_their_result_and_errors_keep_their_kind()
    {
        var calls = new LibvirtCalls("test", maxConcurrency: 2, TimeSpan.FromSeconds(10));
        Assert.Equal("ok", await calls.RunAsync(() => "ok", Ct));
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => calls.RunAsync<int>(() => throw new InvalidArgumentException("bad"), Ct));
        Assert.Equal("bad", error.Message);
    }

    private static async Task<int> WaitForSlotAsync(LibvirtCalls calls)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await calls.RunAsync(() => 42, Ct);
            }
            catch (HypervisorTimeoutException) when (attempt < 20)
            {
                // The slot is released by a continuation of the hung call; give it a moment.
            }
        }
    }
}
