using Simplestack.Core;

namespace Simplestack.Drivers.VSphere;

/// <summary>Configuration of the vmware driver (section <c>Simplestack:VSphere</c>).</summary>
public sealed class VSphereDriverOptions
{
    /// <summary>
    /// A PEM file of the certificate authorities that sign the hosts' and vCenters' certificates,
    /// trusted instead of the system's. Unset: the system CAs.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// SHA-256 fingerprints (hex, colons allowed) of the certificate a target presents, keyed by
    /// <c>host:port</c> (<c>host</c> alone for port 443). A pinned target is trusted by its
    /// fingerprint alone (ESXi hosts ship self-signed certificates); any other certificate is refused.
    /// </summary>
    public IDictionary<string, string> CertificatePins { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>vSphere calls allowed at once per connection.</summary>
    public int MaxConcurrentCalls { get; set; } = HypervisorCallPolicy.DefaultMaxConcurrency;

    /// <summary>How long one vSphere call (a task waited on included) may take before the request answers 504.</summary>
    public int CallTimeoutSeconds { get; set; } = 60;
}
