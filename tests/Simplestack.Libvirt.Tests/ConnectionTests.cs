namespace Simplestack.Libvirt.Tests;

public sealed class ConnectionTests
{
    [Fact]
    public void Open_and_close()
    {
        var conn = LibvirtConnection.Open(TestXml.Uri);
        Assert.True(conn.IsAlive);
        Assert.Equal(TestXml.Uri, conn.Uri);
        Assert.Equal("TEST", conn.HypervisorType.ToUpperInvariant());
        Assert.False(string.IsNullOrEmpty(conn.HostName));
        Assert.True(conn.LibraryVersion >= 9_000_000);
        Assert.True(conn.HypervisorVersion > 0);
        Assert.Equal(Libvirt.Version, conn.LibraryVersion);
        conn.Dispose();
        Assert.False(conn.IsAlive);
        conn.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => conn.GetNodeInfo());
    }

    [Fact]
    public void Open_unknown_driver_throws_LibvirtException()
    {
        var ex = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open("nosuchdriver:///x"));
        Assert.NotEqual(LibvirtErrorCode.Ok, ex.Code);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Fact]
    public void Open_with_credentials_on_a_driver_that_needs_none()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri, new LibvirtCredentials("user", "secret"));
        Assert.True(conn.IsAlive);
    }

    [Fact]
    public void Credentials_ToString_hides_the_password()
    {
        var text = new LibvirtCredentials("alice", "s3cr3t-pass").ToString();
        Assert.Contains("alice", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-pass", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_info_capabilities_and_free_memory()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        var info = conn.GetNodeInfo();
        Assert.Equal("i686", info.Model);
        Assert.Equal(16u, info.Cpus);
        Assert.Equal(1400u, info.MHz);
        Assert.Equal(2u, info.Nodes);
        Assert.Equal(2u, info.Sockets);
        Assert.Equal(2u, info.Cores);
        Assert.Equal(2u, info.Threads);
        Assert.Equal(3145728ul, info.MemoryKiB);
        Assert.True(conn.GetFreeMemoryBytes() > 0);
        Assert.Contains("<capabilities>", conn.GetCapabilitiesXml(), StringComparison.Ordinal);
    }

    [Fact]
    public void Keepalive_is_reported_unsupported_or_accepted()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        // The test driver is local: libvirt accepts the call or reports no support, never crashes.
        try
        {
            conn.SetKeepAlive(5, 3);
        }
        catch (LibvirtException ex)
        {
            Assert.False(string.IsNullOrEmpty(ex.Message));
        }
    }
}
