using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// The HttpNfcLease of an import: waited for until ready, kept alive by progress reports while a
// disk uploads, fed one file per device URL, aborted when the import fails.
public sealed partial class VSphereConnection
{
    private static readonly TimeSpan LeasePollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a long upload tells the lease it is alive (vSphere's lease times out after minutes without progress).</summary>
    private static readonly TimeSpan LeaseProgressInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// One file to a lease device URL (<c>https://*/nfc/...</c>; '*' is this server). A stream-optimized
    /// disk is POSTed as <c>application/x-vnd.vmware-streamVmdk</c>, anything else PUT with
    /// <c>Overwrite: t</c>, as govmomi's and ovftool's uploaders do.
    /// </summary>
    private async Task UploadAsync(string deviceUrl, Stream data, bool streamOptimized, string fileName, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(deviceUrl.Replace("://*/", "://placeholder/", StringComparison.Ordinal), UriKind.Absolute, out var url))
        {
            throw new HypervisorErrorException("The vSphere server's import lease gave a device URL that is not a URL.");
        }

        if (url.Host != "placeholder" && !string.Equals(url.Authority, _session.Endpoint.Authority, StringComparison.OrdinalIgnoreCase))
        {
            throw new FeatureNotImplementedException("The import lease sends the disks to another host than the one connected to (a vCenter's ESXi host), which the vmware driver does not reach yet.");
        }

        using var content = new StreamContent(data);
        content.Headers.ContentLength = data.Length;
        content.Headers.ContentType = new(streamOptimized ? "application/x-vnd.vmware-streamVmdk" : "application/octet-stream");
        using var response = await _session.Files.SendFileRequestAsync(
            streamOptimized ? HttpMethod.Post : HttpMethod.Put, url.PathAndQuery, content,
            streamOptimized ? null : [new("Overwrite", "t")], cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent))
        {
            throw new HypervisorErrorException($"The vSphere server answered the upload of '{Shown(fileName)}' with HTTP {(int)response.StatusCode}.");
        }
    }

    /// <summary>Waits for a lease to leave <c>initializing</c>: its <c>info</c> once ready, its error's domain exception otherwise.</summary>
    private async Task<XElement> WaitForLeaseAsync(MoRef lease, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            var content = await _collector.RetrieveOneAsync(lease, ["state", "error"], cancellationToken);
            switch (content.Text("state"))
            {
                case "ready":
                    return (await _collector.RetrieveOneAsync(lease, ["info"], cancellationToken)).Val("info")
                           ?? throw new HypervisorErrorException("The vSphere server's import lease is ready without its info.");
                case "error":
                    throw VimFaults.ToDomain(content.Val("error") is { } error
                        ? SoapEnvelope.ReadLocalizedFault("ImportVApp", error)
                        : new VimFault("ImportVApp", "Fault", null));
                case "done":
                    throw new HypervisorErrorException("The vSphere server's import lease ended before any disk was sent.");
            }

            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > Policy.Timeout)
            {
                throw new HypervisorTimeoutException($"The vSphere server's import lease was not ready within {Policy.Timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(LeasePollInterval, cancellationToken);
        }
    }

    private async Task AbortLeaseQuietlyAsync(MoRef lease)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _session.CallAsync("HttpNfcLeaseAbort", lease, limit.Token);
        }
        catch (Exception error) when (error is SimplestackException or OperationCanceledException)
        {
            // A lease that ended or expired already: the VM it made is destroyed next either way.
        }
    }

    /// <summary>While a file uploads, reports the lease's progress every 30 s so that vSphere does not time it out.</summary>
    private sealed class LeaseKeepAlive : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public LeaseKeepAlive(VSphereConnection connection, MoRef lease, Func<int> percent)
            => _loop = RunAsync(connection, lease, percent, _stop.Token);

        private static async Task RunAsync(VSphereConnection connection, MoRef lease, Func<int> percent, CancellationToken stop)
        {
            using var timer = new PeriodicTimer(LeaseProgressInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    await connection._session.CallAsync("HttpNfcLeaseProgress", lease, stop, E("percent", percent().ToString(CultureInfo.InvariantCulture)));
                }
            }
            catch (Exception error) when (error is OperationCanceledException or SimplestackException)
            {
                // Stopped, or the lease is gone: the upload itself fails then and says why.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }
}
