using System.Text.Json;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi.Inventory;

/// <summary>
/// The records the guest list is made from (VMs, their guest metrics, VBDs and VDIs, and the
/// hosts' names), by ref, as <c>event.from</c> delivers them. Pure: no calls here. Each record is
/// the whole snapshot of its event, so applying a batch again, or a batch whose snapshots are a
/// little newer than its token, is harmless. Not thread-safe: <see cref="XenInventory"/> holds a
/// lock around every use; the list it builds is immutable.
/// </summary>
internal sealed class GuestRecords
{
    /// <summary>The classes <c>event.from</c> is asked for: everything <see cref="GuestMapping.ToGuest"/> reads.</summary>
    public static readonly IReadOnlyList<string> Classes = ["VM", "VM_guest_metrics", "VBD", "VDI", "host"];

    private static XenApiJson J => XenApiJson.Default;

    private readonly Dictionary<string, VmRecord> _vms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GuestMetricsRecord> _metrics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VbdRecord> _vbds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VdiRecord> _vdis = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _hostNames = new(StringComparer.Ordinal);
    private IReadOnlyList<Guest>? _guests;
    private IReadOnlyDictionary<string, string>? _stamps;

    /// <summary>VMs held (guests, templates, snapshots and control domains alike).</summary>
    public int VmCount => _vms.Count;

    /// <summary>Forgets every record.</summary>
    public void Clear()
    {
        _vms.Clear();
        _metrics.Clear();
        _vbds.Clear();
        _vdis.Clear();
        _hostNames.Clear();
        _guests = null;
        _stamps = null;
    }

    /// <summary>Applies one batch in order. Classes not asked for and snapshots that cannot be read are skipped.</summary>
    public void Apply(IEnumerable<EventRecord> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var change in events)
        {
            var applied = change.Class.ToLowerInvariant() switch
            {
                "vm" => Apply(_vms, change, J.VmRecord),
                "vm_guest_metrics" => Apply(_metrics, change, J.GuestMetricsRecord),
                "vbd" => Apply(_vbds, change, J.VbdRecord),
                "vdi" => Apply(_vdis, change, J.VdiRecord),
                "host" => Apply(_hostNames, change, J.HostRecord, host => host.NameLabel),
                _ => false,
            };
            if (applied)
            {
                _guests = null;
                _stamps = null;
            }
        }
    }

    /// <summary>Every guest, ordered by name, built again only after a change.</summary>
    public IReadOnlyList<Guest> Guests() => _guests ??= [.. _vms.Values
        .Where(GuestMapping.IsGuest)
        .Select(vm => GuestMapping.ToGuest(
            vm,
            _metrics.GetValueOrDefault(vm.GuestMetrics),
            vm.Vbds.Select(_vbds.GetValueOrDefault).Where(IsDisk).Select(b => _vdis.GetValueOrDefault(b!.Vdi)).OfType<VdiRecord>(),
            _hostNames.GetValueOrDefault(vm.ResidentOn) ?? ""))
        .OrderBy(g => g.Name, StringComparer.Ordinal)];

    /// <summary>The idempotency stamps the guests carry (see <see cref="StampsOf"/>), built again only after a change.</summary>
    public IReadOnlyDictionary<string, string> Stamps() => _stamps ??= StampsOf(_vms.Values);

    /// <summary>Guest uuid → the stamp in its <c>other_config</c>, for the guests among <paramref name="vms"/> that carry one.</summary>
    public static IReadOnlyDictionary<string, string> StampsOf(IEnumerable<VmRecord> vms)
        => vms.Where(GuestMapping.IsGuest)
            .Where(vm => vm.OtherConfig.ContainsKey(XenApiConnection.StampKey))
            .ToDictionary(vm => vm.Uuid, vm => vm.OtherConfig[XenApiConnection.StampKey], StringComparer.Ordinal);

    /// <summary>A Disk VBD with a VDI in it (CDs and empty drives are not the guest's disks).</summary>
    public static bool IsDisk(VbdRecord? vbd) => vbd is { Type: "Disk", Empty: false } && !XenRefs.IsNull(vbd.Vdi);

    private static bool Apply<T>(Dictionary<string, T> records, EventRecord change, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
        => Apply(records, change, type, record => record);

    private static bool Apply<TRecord, TKept>(Dictionary<string, TKept> records, EventRecord change, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TRecord> type, Func<TRecord, TKept> keep)
        where TRecord : class
    {
        switch (change.Operation)
        {
            case "del":
                return records.Remove(change.Ref);
            case "add" or "mod" when change.Snapshot is { ValueKind: JsonValueKind.Object } snapshot:
                TRecord? record;
                try
                {
                    record = snapshot.Deserialize(type);
                }
                catch (JsonException)
                {
                    return false; // A record this driver cannot read: the next resync reads it again.
                }

                if (record is null)
                {
                    return false;
                }

                records[change.Ref] = keep(record);
                return true;
            default:
                return false;
        }
    }
}
