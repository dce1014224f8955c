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

    /// <summary>Where new VMs go when the create body's <c>placement</c> does not say.</summary>
    public VSpherePlacementOptions Placement { get; set; } = new();
}

/// <summary>
/// Where new VMs go when the create body does not say (section <c>Simplestack:VSphere:Placement</c>):
/// names as vSphere shows them. Unset parts: the first datacenter, compute resource and datastore by name.
/// </summary>
public sealed class VSpherePlacementOptions
{
    /// <summary>The datacenter's name.</summary>
    public string? Datacenter { get; set; }

    /// <summary>A cluster's name, or a standalone host's (its compute resource).</summary>
    public string? Cluster { get; set; }

    /// <summary>A resource pool's name in that cluster or host (its root pool when unset).</summary>
    public string? ResourcePool { get; set; }

    /// <summary>A VM folder's path under the datacenter's VM folder (<c>team/web</c>); the VM folder itself when unset.</summary>
    public string? Folder { get; set; }

    /// <summary>The datastore new disks and VM files go on when a disk names no <c>storage_id</c>.</summary>
    public string? Datastore { get; set; }
}
