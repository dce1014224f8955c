namespace Simplestack.Drivers.Libvirt.Tests.Unit;

public sealed class BlockingCallThreadsTests
{
    [Fact]
    public async Task Calls_run_off_the_thread_pool_and_each_blocked_call_holds_only_a_thread_of_its_own()
    {
        var threads = new BlockingCallThreads("test calls");
        using var gate = new ManualResetEventSlim(false);
        var started = 0;
        var blocked = Enumerable.Range(0, 12).Select(i => threads.Run(() =>
        {
            Interlocked.Increment(ref started);
            gate.Wait(TimeSpan.FromSeconds(30));
            return (i, Thread.CurrentThread.IsThreadPoolThread);
        })).ToList();

        // All twelve run at once although every one of them blocks (the thread pool would add
        // threads for them only slowly).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref started) < 12 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(12, Volatile.Read(ref started));
        Assert.True(threads.Threads >= 12, $"{threads.Threads} threads");
        gate.Set();
        var results = await Task.WhenAll(blocked);
        Assert.Equal(Enumerable.Range(0, 12), results.Select(r => r.i));
        Assert.All(results, r => Assert.False(r.IsThreadPoolThread));
    }

    [Fact]
    public async Task An_exception_reaches_the_caller_and_idle_threads_are_reused()
    {
        var threads = new BlockingCallThreads("test calls");
        await Assert.ThrowsAsync<InvalidOperationException>(() => threads.Run<int>(() => throw new InvalidOperationException("boom")));
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(i, await threads.Run(() => i));
        }

        Assert.InRange(threads.Threads, 1, 3); // sequential calls reuse the waiting thread
    }
}
