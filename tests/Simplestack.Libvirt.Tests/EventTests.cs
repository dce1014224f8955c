using System.Collections.Concurrent;

namespace Simplestack.Libvirt.Tests;

public sealed class EventTests
{
    private const int Defined = 0;   // VIR_DOMAIN_EVENT_DEFINED
    private const int Undefined = 1; // VIR_DOMAIN_EVENT_UNDEFINED
    private const int Started = 2;   // VIR_DOMAIN_EVENT_STARTED
    private const int Suspended = 3; // VIR_DOMAIN_EVENT_SUSPENDED
    private const int Stopped = 5;   // VIR_DOMAIN_EVENT_STOPPED

    [Fact]
    public async Task Lifecycle_events_are_delivered()
    {
        Libvirt.EnsureEventLoop();
        Libvirt.EnsureEventLoop(); // idempotent
        Assert.True(Libvirt.IsEventLoopRunning);

        using var conn = LibvirtConnection.Open(TestXml.Uri);
        var events = new ConcurrentQueue<LibvirtDomainEvent>();
        var id = conn.RegisterDomainLifecycleEvents(events.Enqueue);

        var name = TestXml.UniqueName("events");
        using var dom = conn.DefineDomain(TestXml.Domain(name));
        dom.Start();
        dom.Suspend();
        dom.Destroy();
        dom.Undefine();

        int[] expected = [Defined, Started, Suspended, Stopped, Undefined];
        var deadline = DateTime.UtcNow.AddSeconds(15); // generous: the loop thread competes with a whole test run
        while (DateTime.UtcNow < deadline && events.Count(e => e.DomainName == name) < expected.Length)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var mine = events.Where(e => e.DomainName == name).ToList();
        Assert.Equal(expected, mine.Select(e => e.EventType));
        Assert.All(mine, e => Assert.Equal(dom.Uuid, e.DomainUuid));

        conn.DeregisterDomainEvents(id);
        var count = events.Count;
        using var other = conn.DefineDomain(TestXml.Domain(TestXml.UniqueName("after")));
        other.Undefine();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(count, events.Count);
        Assert.Throws<LibvirtException>(() => conn.DeregisterDomainEvents(id));
    }

    [Fact]
    public async Task Metadata_changes_are_delivered_as_change_events()
    {
        Libvirt.EnsureEventLoop();
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        var changes = new ConcurrentQueue<LibvirtDomainChange>();
        var id = conn.RegisterDomainChangeEvents(changes.Enqueue);

        using var dom = conn.DefineDomain(TestXml.Domain(TestXml.UniqueName("meta")));
        dom.SetMetadata(DomainMetadataType.Element, "<mark>1</mark>", "t", "https://example.test/mark", DomainModificationImpact.Config);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && !changes.Any(c => c.DomainUuid == dom.Uuid))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Contains(changes, c => c.DomainUuid == dom.Uuid && c.Change == DomainChange.MetadataChange);

        conn.DeregisterDomainEvents(id);
        var count = changes.Count;
        dom.SetMetadata(DomainMetadataType.Element, "<mark>2</mark>", "t", "https://example.test/mark", DomainModificationImpact.Config);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(count, changes.Count);
        dom.Undefine();
    }

    [Fact]
    public void Dispose_deregisters_callbacks()
    {
        Libvirt.EnsureEventLoop();
        var conn = LibvirtConnection.Open(TestXml.Uri);
        conn.RegisterDomainLifecycleEvents(_ => { });
        conn.RegisterDomainLifecycleEvents(_ => throw new InvalidOperationException("ignored"));
        conn.RegisterDomainChangeEvents(_ => throw new InvalidOperationException("ignored"));
        using (var dom = conn.DefineDomain(TestXml.Domain(TestXml.UniqueName("ev"))))
        {
            dom.Undefine();
        }

        conn.Dispose();
        Assert.False(conn.IsAlive);
    }
}
