using Simplestack.Libvirt.Interop;

namespace Simplestack.Libvirt.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Errors_stay_on_their_own_thread()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        const int threads = 8;
        const int iterations = 300;
        using var start = new Barrier(threads);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        var tasks = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (var i = 0; i < iterations; i++)
                {
                    try
                    {
                        if (t % 2 == 0)
                        {
                            // Failing calls: each must report its own error.
                            using var test = conn.TryLookupDomainByName("test")!;
                            var ex = Assert.Throws<LibvirtException>(test.Resume);
                            Assert.Equal(LibvirtErrorCode.InternalError, ex.Code);
                            Assert.Contains("not paused", ex.Message, StringComparison.Ordinal);
                            var bad = Assert.Throws<LibvirtException>(() => conn.DefineDomain("<domain>"));
                            Assert.Equal(LibvirtErrorCode.XmlDetail, bad.Code);
                            Assert.Null(conn.TryLookupDomainByName($"missing-{t}-{i}"));
                        }
                        else
                        {
                            // Succeeding calls: no error may show up here, whatever the other threads do.
                            using var test = conn.TryLookupDomainByName("test")!;
                            Assert.Equal(DomainState.Running, test.GetState().State);
                            Assert.Single(conn.ListAllDomains(), d => d.Name == "test");
                            AssertNoThreadError();
                        }
                    }
                    catch (Exception ex)
                    {
                        failures.Add($"thread {t} iteration {i}: {ex}");
                        return;
                    }
                }
            },
            TestContext.Current.CancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        await Task.WhenAll(tasks);
        Assert.Empty(failures);
    }

    private static unsafe void AssertNoThreadError() => Assert.True(NativeMethods.virGetLastError() == null);
}
