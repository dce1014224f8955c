using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Semantics;
using Simplestack.XenApi.Simulator.Store;

namespace Simplestack.XenApi.Simulator.Xva;

/// <summary>One exported object: its class, its id in the archive ("Ref:N") and its record.</summary>
internal sealed record OvaObject(string Class, string Id, Dictionary<string, object?> Snapshot);

/// <summary>The parsed ova.xml: the exporter's xapi version and the objects.</summary>
internal sealed record OvaHeader(long XapiMajor, long XapiMinor, long ExportVsn, IReadOnlyList<OvaObject> Objects);

/// <summary>A disk the archive carries: its folder ("Ref:N"), the VDI and its virtual size.</summary>
internal sealed record XvaDisk(string Prefix, string Vdi, long Size);

/// <summary>
/// ova.xml, the XML-RPC text (xapi's Xmlrpc.to_string) of a struct {version, objects}, as
/// export.ml writes it: the VM, then the objects it reaches (VIFs and their networks, VBDs, their
/// VDIs and SRs, its metrics), each with a fresh id "Ref:N" and its record with every ref rewritten
/// to those ids, or OpaqueRef:NULL for objects left out.
/// </summary>
internal static class OvaXml
{
    public const string FileName = "ova.xml";

    /// <summary>The version this simulator claims (xapi 24.19, export_vsn 2: inline checksums).</summary>
    public const long XapiMajor = 24, XapiMinor = 19, ExportVsn = 2;

    private static readonly XmlReaderSettings SafeReader = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    // The order make_all lists the classes in (export.ml).
    private static readonly string[] ClassOrder = ["VM", "VM_metrics", "VM_guest_metrics", "VBD", "VIF", "network", "VDI", "SR"];

    /// <summary>ova.xml for one VM and the disks to stream after it, in the order xapi streams them. Hold the store's lock.</summary>
    public static (string Xml, List<XvaDisk> Disks) ForExport(SimulatorState state, string vmRef)
    {
        var store = state.Store;
        var table = Table(store, vmRef);
        var objects = ClassOrder.SelectMany(cls => table.Where(t => t.Value.Class == cls)
            .Select(t => new OvaObject(cls, t.Value.Id, Exported(store, cls, t.Key, table)))).ToList();

        // Only disks are streamed: not CDs, nor anything in an ISO SR.
        var disks = new List<XvaDisk>();
        foreach (var vbd in Wire.AsList(store.Get("VM", vmRef)["VBDs"]).Select(Wire.AsString))
        {
            var record = store.Get("VBD", vbd);
            var vdi = (string)record["VDI"]!;
            if ((string)record["type"]! == "CD" || !table.TryGetValue(vdi, out var id))
            {
                continue;
            }
            var vdiRecord = store.Get("VDI", vdi);
            if ((string?)store.Get("SR", (string)vdiRecord["SR"]!)["content_type"] != "iso")
            {
                disks.Add(new XvaDisk(id.Id, vdi, (long)vdiRecord["virtual_size"]!));
            }
        }
        disks.Sort((a, b) => string.CompareOrdinal(a.Prefix, b.Prefix)); // stream_vdi.ml's vdi_ordering
        return (Write(state, objects), disks);
    }

    /// <summary>Reads ova.xml; FormatException when it is not a header xapi would read.</summary>
    public static OvaHeader Parse(string xml)
    {
        XElement root;
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), SafeReader);
            root = XDocument.Load(reader).Root ?? throw new FormatException("ova.xml is empty");
        }
        catch (XmlException e)
        {
            throw new FormatException("ova.xml is not XML: " + e.Message, e);
        }
        if (root.Name != "value" || XmlRpc.Decode(root) is not Dictionary<string, object?> header
            || header.GetValueOrDefault("version") is not Dictionary<string, object?> version
            || header.GetValueOrDefault("objects") is not List<object?> objects)
        {
            throw new FormatException("ova.xml holds no struct of version and objects");
        }
        var parsed = objects.Select(o => o is Dictionary<string, object?> map
                && map.GetValueOrDefault("class") is string cls && map.GetValueOrDefault("id") is string id
                && map.GetValueOrDefault("snapshot") is Dictionary<string, object?> snapshot
            ? new OvaObject(cls, id, snapshot)
            : throw new FormatException("an object in ova.xml lacks class, id or snapshot")).ToList();
        return new OvaHeader(Number(version, "xapi_major"), Number(version, "xapi_minor"),
            version.ContainsKey("export_vsn") ? Number(version, "export_vsn") : 0, parsed);
    }

    private static long Number(Dictionary<string, object?> version, string key) =>
        version.GetValueOrDefault(key) switch
        {
            long l => l,
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
            _ => throw new FormatException($"ova.xml's version has no {key}"),
        };

    /// <summary>export.ml's update_table: each object the VM reaches, by ref, with its class and id in the order found.</summary>
    private static Dictionary<string, (string Class, string Id)> Table(ObjectStore store, string vmRef)
    {
        var table = new Dictionary<string, (string Class, string Id)>(StringComparer.Ordinal);
        void Add(string cls, string reference)
        {
            if (reference != Wire.NullRef && store.Exists(cls, reference) && !table.ContainsKey(reference))
            {
                table[reference] = (cls, "Ref:" + table.Count.ToString(CultureInfo.InvariantCulture));
            }
        }
        var vm = store.Get("VM", vmRef);
        Add("VM", vmRef);
        foreach (var vif in Wire.AsList(vm["VIFs"]).Select(Wire.AsString))
        {
            Add("VIF", vif);
            Add("network", (string)store.Get("VIF", vif)["network"]!);
        }
        foreach (var vbd in Wire.AsList(vm["VBDs"]).Select(Wire.AsString))
        {
            Add("VBD", vbd);
            var record = store.Get("VBD", vbd);
            if (!(bool)record["empty"]! && store.Exists("VDI", (string)record["VDI"]!))
            {
                Add("VDI", (string)record["VDI"]!);
                Add("SR", (string)store.Get("VDI", (string)record["VDI"]!)["SR"]!);
            }
        }
        Add("VM_metrics", (string)vm["metrics"]!);
        Add("VM_guest_metrics", (string)vm["guest_metrics"]!);
        return table;
    }

    /// <summary>A record as export.ml's make_* writes it: refs to archive ids, runtime state cleared.</summary>
    private static Dictionary<string, object?> Exported(ObjectStore store, string cls, string reference, Dictionary<string, (string Class, string Id)> table)
    {
        var record = Wire.AsMap(Wire.Copy(store.Get(cls, reference)));
        foreach (var field in ObjectStore.ClassOf(cls).FieldOrder)
        {
            if (field.Kind == FieldKind.Ref)
            {
                record[field.Name] = table.TryGetValue((string)record[field.Name]!, out var id) ? id.Id : Wire.NullRef;
            }
            else if (field.Kind == FieldKind.Set && field.TargetClass is not null)
            {
                record[field.Name] = Wire.AsList(record[field.Name]).Select(Wire.AsString)
                    .Where(table.ContainsKey).Select(r => (object?)table[r].Id).ToList();
            }
        }
        if (record.ContainsKey("current_operations"))
        {
            record["current_operations"] = new Dictionary<string, object?>();
            record["allowed_operations"] = new List<object?>();
        }
        if (record.ContainsKey("currently_attached"))
        {
            record["currently_attached"] = false; // preserve_power_state is not served
        }
        if (cls == "VM")
        {
            // An export is of a halted VM and carries no snapshot metadata (make_vm without with_snapshot_metadata).
            record["power_state"] = "Halted";
            record["is_a_snapshot"] = false;
            record["snapshot_time"] = Wire.ParseDateTime("19700101T00:00:00Z");
            record["transportable_snapshot_id"] = "";
        }
        return record;
    }

    private static string Write(SimulatorState state, List<OvaObject> objects)
    {
        var host = state.Store.Get("host", state.Master);
        var software = Wire.AsMap(host["software_version"]);
        var text = new StringBuilder("<value><struct><member><name>version</name><value><struct>");
        void Member(string name, string encoded) => text.Append("<member><name>").Append(name).Append("</name>").Append(encoded).Append("</member>");
        Member("hostname", XmlRpc.Encode((string)host["hostname"]!));
        Member("date", XmlRpc.Encode(software.GetValueOrDefault("date") as string ?? state.Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        Member("product_version", XmlRpc.Encode(software.GetValueOrDefault("product_version") as string ?? ""));
        Member("product_brand", XmlRpc.Encode(software.GetValueOrDefault("product_brand") as string ?? ""));
        Member("build_number", XmlRpc.Encode(software.GetValueOrDefault("build_number") as string ?? ""));
        // These three are Rpc.Int in importexport.ml, which XML-RPC writes as i4 (unlike int64 fields, sent as strings).
        Member("xapi_major", $"<value><i4>{XapiMajor}</i4></value>");
        Member("xapi_minor", $"<value><i4>{XapiMinor}</i4></value>");
        Member("export_vsn", $"<value><i4>{ExportVsn}</i4></value>");
        text.Append("</struct></value></member><member><name>objects</name><value><array><data>");
        foreach (var o in objects)
        {
            text.Append(XmlRpc.Encode(new Dictionary<string, object?> { ["class"] = o.Class, ["id"] = o.Id, ["snapshot"] = o.Snapshot }));
        }
        return text.Append("</data></array></value></member></struct></value>").ToString();
    }
}
