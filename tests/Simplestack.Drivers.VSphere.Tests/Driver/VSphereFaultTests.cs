using System.Net;
using System.Net.Sockets;
using Simplestack.Core;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>A vSphere server that is not there or does not answer: 503 and 504 on time, never a hang or a 500.</summary>
public sealed class VSphereFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_port_where_nothing_listens_is_503_naming_the_target()
    {
        var port = FreePort();
        var error = await Assert.ThrowsAsync<HypervisorUnavailableException>(() => new VSphereDriver(new VSphereDriverOptions())
            .ConnectAsync(new HypervisorTarget("vmware", "127.0.0.1", port), new HypervisorCredentials("root", "s3cret"), Ct));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_accepts_and_never_answers_is_504_within_the_call_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var held = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await silent.AcceptTcpClientAsync(Ct)); // Accepted, never read or answered (no TLS handshake either).
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The listener stopped.
            }
        }, Ct);
        var options = new VSphereDriverOptions { CallTimeoutSeconds = 1 };
        var watch = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAsync<HypervisorTimeoutException>(() => new VSphereDriver(options)
            .ConnectAsync(new HypervisorTarget("vmware", "127.0.0.1", port), new HypervisorCredentials("root", "s3cret"), Ct));

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        silent.Stop();
        await accepting;
        held.ForEach(c => c.Dispose());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
