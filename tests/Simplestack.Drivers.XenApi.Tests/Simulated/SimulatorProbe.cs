extern alias XenSimulator;

using System.Collections;
using System.Globalization;
using Simplestack.Drivers.Conformance;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// Reads the simulated pool's object store directly (not through the driver), in the domain's
/// words: guests are VMs that are neither templates nor snapshots, disks are Disk VBDs named by
/// userdevice (live: the plugged ones), volumes are VDIs named by uuid.
/// </summary>
internal sealed class SimulatorProbe(XenApiSimulator simulator) : IHypervisorProbe
{
    private IReadOnlyDictionary<string, object?> Guest(string name)
        => simulator.FindByNameLabel("VM", name)
               .Select(uuid => simulator.Record("VM", uuid)!)
               .SingleOrDefault(vm => !Bool(vm, "is_a_template") && !Bool(vm, "is_a_snapshot") && !Bool(vm, "is_control_domain"))
           ?? throw new InvalidOperationException($"The simulator has no guest '{name}'.");

    public bool GuestExists(string name)
        => simulator.FindByNameLabel("VM", name).Select(uuid => simulator.Record("VM", uuid)!)
            .Any(vm => !Bool(vm, "is_a_template") && !Bool(vm, "is_a_snapshot"));

    public ProbedPower Power(string name) => NativeState(name) switch
    {
        "Running" => ProbedPower.Running,
        "Halted" => ProbedPower.Stopped,
        "Paused" => ProbedPower.Paused,
        _ => ProbedPower.Other,
    };

    public string NativeState(string name) => (string)Guest(name)["power_state"]!;

    /// <summary>
    /// <c>memory_dynamic_max</c>: the target the VM boots with and is ballooned to while it runs
    /// (a live change sets it; <c>memory_static_max</c> is the ceiling the VM can never pass).
    /// </summary>
    public long DefinedMemoryMiB(string name) => Long(Guest(name), "memory_dynamic_max") / (1024 * 1024);

    public int DefinedCpus(string name) => (int)Long(Guest(name), "VCPUs_at_startup");

    public IReadOnlyList<ProbedDisk> Disks(string name, bool live = false)
        => [.. Refs(Guest(name), "VBDs").Select(vbd => simulator.Record("VBD", vbd)!)
            .Where(vbd => (string?)vbd["type"] == "Disk" && !Bool(vbd, "empty") && (!live || Bool(vbd, "currently_attached")))
            .Select(vbd => (Device: (string)vbd["userdevice"]!, Vdi: simulator.Record("VDI", (string)vbd["VDI"]!)!))
            .Select(d => new ProbedDisk(d.Device, (string)d.Vdi["uuid"]!, Long(d.Vdi, "virtual_size")))];

    public ProbedMedia? Media(string name)
        => Refs(Guest(name), "VBDs").Select(vbd => simulator.Record("VBD", vbd)!)
            .Where(vbd => (string?)vbd["type"] == "CD")
            .Select(vbd => new ProbedMedia(Bool(vbd, "empty") ? null : (string?)simulator.Record("VDI", (string)vbd["VDI"]!)?["uuid"]))
            .FirstOrDefault();

    public IReadOnlyList<ProbedNic> Nics(string name)
        => [.. Refs(Guest(name), "VIFs").Select(vif => simulator.Record("VIF", vif)!)
            .Select(vif => new ProbedNic(((string)vif["MAC"]!).ToLowerInvariant(), (string?)simulator.Record("network", (string)vif["network"]!)?["name_label"], RateLimit(vif)))];

    /// <summary>xapi's "ratelimit" QoS counts kbps as KiB/s (what the VIF's backend enforces): 8192 bits each.</summary>
    private static long? RateLimit(IReadOnlyDictionary<string, object?> vif)
        => (string?)vif.GetValueOrDefault("qos_algorithm_type") == "ratelimit"
           && vif.GetValueOrDefault("qos_algorithm_params") is IReadOnlyDictionary<string, object?> parameters
           && long.TryParse(Convert.ToString(parameters.GetValueOrDefault("kbps"), CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var kibibytes)
            ? kibibytes * 8192
            : null;

    public IReadOnlyList<string> Tags(string name, bool live = false) => [.. Strings(Guest(name), "tags")];

    public IReadOnlyList<string> SnapshotNames(string guestName)
        => [.. Refs(Guest(guestName), "snapshots").Select(s => (string)simulator.Record("VM", s)!["name_label"]!).Order(StringComparer.Ordinal)];

    public ProbedNetwork? Network(string name)
    {
        var uuid = simulator.FindByNameLabel("network", name).FirstOrDefault();
        if (uuid is null)
        {
            return null;
        }

        // A VLAN network's PIFs are untagged PIFs, each the VLAN_master_of a VLAN whose tagged PIF
        // is on the switch (network) the VLAN is carried on.
        var network = simulator.Record("network", uuid)!;
        var pif = Refs(network, "PIFs").Select(p => simulator.Record("PIF", p)!).FirstOrDefault(p => Long(p, "VLAN") >= 0);
        var vlanRecord = pif is null ? null : simulator.Record("VLAN", (string)pif["VLAN_master_of"]!);
        var trunk = vlanRecord is null ? null : simulator.Record("PIF", (string)vlanRecord["tagged_PIF"]!);
        var carrier = trunk is null ? network : simulator.Record("network", (string)trunk["network"]!)!;
        return new ProbedNetwork(true, true, true, (string?)network["bridge"], pif is null ? null : (int)Long(pif, "VLAN"), (string?)carrier["name_label"]);
    }

    public IReadOnlyList<string> VolumePaths() => [.. simulator.Uuids("VDI").Order(StringComparer.Ordinal)];

    /// <summary>An ISO put in the pool's ISO library (as a file dropped there and the SR rescanned); its path is the VDI's uuid.</summary>
    public string CreateVolume(string name, long bytes) => simulator.AddIso(name, bytes);

    public void DeleteVolume(string path) => simulator.RemoveVdi(path);

    private static bool Bool(IReadOnlyDictionary<string, object?> record, string field) => record.GetValueOrDefault(field) is true;

    private static long Long(IReadOnlyDictionary<string, object?> record, string field)
        => Convert.ToInt64(record.GetValueOrDefault(field) ?? 0L, CultureInfo.InvariantCulture);

    private static IEnumerable<string> Strings(IReadOnlyDictionary<string, object?> record, string field)
        => record.GetValueOrDefault(field) is IEnumerable items and not string ? items.Cast<object?>().Select(i => Convert.ToString(i, CultureInfo.InvariantCulture)!) : [];

    private static IEnumerable<string> Refs(IReadOnlyDictionary<string, object?> record, string field) => Strings(record, field);
}
