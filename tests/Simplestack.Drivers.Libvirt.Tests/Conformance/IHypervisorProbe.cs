namespace Simplestack.Drivers.Libvirt.Tests.Conformance;

/// <summary>
/// Reads the hypervisor's own state, beside the driver under test, so conformance tests assert
/// what really happened and not only what the driver answered.
/// </summary>
public interface IHypervisorProbe
{
    bool GuestExists(string name);

    /// <summary>The hypervisor's native state word (<c>running</c>, <c>shutoff</c>, <c>paused</c>...).</summary>
    string GuestNativeState(string name);

    /// <summary>The persistent definition of the guest, as XML.</summary>
    string GuestDefinition(string name);

    /// <summary>The running (or current) description of the guest, as XML.</summary>
    string GuestLiveDescription(string name);

    IReadOnlyList<string> SnapshotNames(string guestName);

    bool NetworkExists(string name);

    (bool Active, bool Persistent, bool Autostart, string Xml) NetworkState(string name);

    /// <summary>Paths of every storage volume in every pool.</summary>
    IReadOnlyList<string> VolumePaths();

    /// <summary>Creates a volume directly on the hypervisor (e.g. an ISO for media tests) and returns its path.</summary>
    string CreateVolume(string name, long bytes);

    void DeleteVolume(string path);
}
