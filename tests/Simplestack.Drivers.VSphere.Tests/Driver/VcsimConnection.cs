using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>Driver connections to a vcsim, its certificate pinned, as the gateway would open them.</summary>
internal static class VcsimConnection
{
    /// <param name="configure">Options beyond the pin (placement, timeouts).</param>
    public static VSphereDriver Driver(VcsimProcess vcsim, Action<VSphereDriverOptions>? configure = null)
    {
        var options = new VSphereDriverOptions();
        options.CertificatePins[$"127.0.0.1:{vcsim.Port}"] = vcsim.CertificateSha256;
        configure?.Invoke(options);
        return new VSphereDriver(options);
    }

    public static HypervisorTarget Target(VcsimProcess vcsim) => new("vmware", "127.0.0.1", vcsim.Port);

    public static async Task<VSphereConnection> OpenAsync(VcsimProcess vcsim, string? password = null, CancellationToken cancellationToken = default, Action<VSphereDriverOptions>? configure = null)
        => (VSphereConnection)await Driver(vcsim, configure).ConnectAsync(Target(vcsim), new HypervisorCredentials(vcsim.User, password ?? vcsim.Password), cancellationToken);
}
