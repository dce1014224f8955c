using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;

namespace Simplestack.XenApi.Simulator.Store;

/// <summary>
/// Every object of the simulated pool, by class and ref, with xapi's bookkeeping: defaults filled
/// on create, reverse links (a VBD's VM lists it in VBDs) kept on every write, and a generation
/// counter that event.from reads. Callers hold <see cref="Sync"/> around any use.
/// </summary>
internal sealed class ObjectStore
{
    private sealed class Entry(string cls, string reference, Dictionary<string, object?> record, long created)
    {
        public string Class { get; } = cls;
        public string Ref { get; } = reference;
        public Dictionary<string, object?> Record { get; } = record;
        public long Created { get; } = created;
        public long Modified { get; set; } = created;
    }

    private readonly Dictionary<string, Dictionary<string, Entry>> _byClass = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _byUuid = new(StringComparer.Ordinal);
    private readonly List<StoreEvent> _deletions = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public object Sync { get; } = new();
    public long Generation { get; private set; }

    public ObjectStore()
    {
        foreach (var name in Schema.Classes.Keys)
        {
            _byClass[name] = new Dictionary<string, Entry>(StringComparer.Ordinal);
        }
    }

    public static ClassSchema ClassOf(string cls) =>
        Schema.Classes.TryGetValue(cls, out var schema) ? schema : throw new XenApiException(ErrorCodes.MESSAGE_METHOD_UNKNOWN, cls);

    /// <summary>Makes an object with every field of its class: the given ones, else the defaults.</summary>
    public string Create(string cls, Dictionary<string, object?>? fields = null)
    {
        var schema = ClassOf(cls);
        var record = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var field in schema.FieldOrder)
        {
            record[field.Name] = fields is not null && fields.TryGetValue(field.Name, out var given)
                ? Coerce(field, given)
                : field.Default();
        }
        if (record.ContainsKey("uuid") && string.IsNullOrEmpty(record["uuid"] as string))
        {
            record["uuid"] = Guid.NewGuid().ToString();
        }
        var reference = "OpaqueRef:" + Guid.NewGuid();
        var entry = new Entry(cls, reference, record, ++Generation);
        _byClass[cls][reference] = entry;
        if (record.TryGetValue("uuid", out var uuid) && uuid is string u)
        {
            _byUuid[u] = entry;
        }
        foreach (var relation in Relations.From(cls))
        {
            Link(relation, reference, record[relation.Field] as string, add: true);
        }
        Signal();
        return reference;
    }

    public bool Exists(string cls, string reference) =>
        _byClass.TryGetValue(cls, out var objects) && objects.ContainsKey(reference);

    /// <summary>The live record; HANDLE_INVALID [class, ref] when there is none.</summary>
    public Dictionary<string, object?> Get(string cls, string reference) =>
        _byClass.TryGetValue(cls, out var objects) && objects.TryGetValue(reference, out var entry)
            ? entry.Record
            : throw new XenApiException(ErrorCodes.HANDLE_INVALID, cls, reference);

    public IEnumerable<(string Ref, Dictionary<string, object?> Record)> All(string cls) =>
        _byClass[cls].Values.Select(e => (e.Ref, e.Record));

    public string RefByUuid(string cls, string uuid) =>
        _byUuid.TryGetValue(uuid, out var entry) && entry.Class == cls
            ? entry.Ref
            : throw new XenApiException(ErrorCodes.UUID_INVALID, cls, uuid);

    public (string Class, string Ref)? FindByUuid(string uuid) =>
        _byUuid.TryGetValue(uuid, out var entry) ? (entry.Class, entry.Ref) : null;

    /// <summary>Writes one field (coerced to its type), keeping reverse links and events current.</summary>
    public void Set(string cls, string reference, string field, object? value)
    {
        var record = Get(cls, reference);
        var schema = ClassOf(cls).Fields.TryGetValue(field, out var f) ? f : throw new XenApiException(ErrorCodes.MESSAGE_METHOD_UNKNOWN, cls + ".set_" + field);
        var relation = Relations.From(cls).FirstOrDefault(r => r.Field == field);
        if (relation is not null)
        {
            Link(relation, reference, record[field] as string, add: false);
        }
        record[field] = Coerce(schema, value);
        if (relation is not null)
        {
            Link(relation, reference, record[field] as string, add: true);
        }
        Touch(cls, reference);
    }

    /// <summary>Marks an object changed after an in-place edit of its record.</summary>
    public void Touch(string cls, string reference)
    {
        _byClass[cls][reference].Modified = ++Generation;
        Signal();
    }

    public void Destroy(string cls, string reference)
    {
        var record = Get(cls, reference);
        var created = _byClass[cls][reference].Created;
        foreach (var relation in Relations.From(cls))
        {
            Link(relation, reference, record[relation.Field] as string, add: false);
        }
        _byClass[cls].Remove(reference);
        if (record.TryGetValue("uuid", out var uuid) && uuid is string u)
        {
            _byUuid.Remove(u);
        }
        // xapi's del events carry no snapshot, and name only objects a client could have seen (made before its token).
        _deletions.Add(new StoreEvent(++Generation, cls, reference, "del", null, created));
        Signal();
    }

    /// <summary>What changed after <paramref name="since"/> in the given classes (null: all).</summary>
    public List<StoreEvent> ChangesSince(long since, ISet<string>? classes)
    {
        var changes = new List<StoreEvent>();
        foreach (var (cls, objects) in _byClass)
        {
            if (classes is not null && !classes.Contains(cls))
            {
                continue;
            }
            changes.AddRange(objects.Values.Where(e => e.Modified > since).Select(e =>
                new StoreEvent(e.Modified, cls, e.Ref, e.Created > since ? "add" : "mod", Wire.AsMap(Wire.Copy(e.Record)))));
        }
        changes.AddRange(_deletions.Where(d => d.Generation > since && d.Created <= since && (classes is null || classes.Contains(d.Class))));
        changes.Sort((a, b) => a.Generation.CompareTo(b.Generation));
        return changes;
    }

    /// <summary>Completes at the next change; take it under <see cref="Sync"/>, await it outside.</summary>
    public Task NextChange => _changed.Task;

    private void Signal()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    private void Link(Relation relation, string child, string? parent, bool add)
    {
        if (parent is null || !Exists(relation.ParentClass, parent))
        {
            return;
        }
        var set = Wire.AsList(Get(relation.ParentClass, parent)[relation.ParentSet]);
        if (add && !set.Contains(child))
        {
            set.Add(child);
        }
        else if (!add)
        {
            set.Remove(child);
        }
        Touch(relation.ParentClass, parent);
    }

    private static object? Coerce(FieldSchema field, object? value) => field.Kind switch
    {
        FieldKind.Int => Wire.AsLong(value),
        FieldKind.Float => Wire.AsDouble(value),
        FieldKind.Bool => Wire.AsBool(value),
        FieldKind.DateTime => value is DateTime d ? d : Wire.ParseDateTime(Wire.AsString(value)),
        FieldKind.Set => Wire.Copy(Wire.AsList(value ?? new List<object?>())),
        FieldKind.Map or FieldKind.Record => Wire.Copy(Wire.AsMap(value ?? new Dictionary<string, object?>())),
        FieldKind.Ref => string.IsNullOrEmpty(value as string) ? Wire.NullRef : (string)value,
        _ => Wire.AsString(value),
    };
}

/// <summary>One change; <paramref name="Snapshot"/> is null for del; <paramref name="Created"/> is the generation the object was made at.</summary>
internal sealed record StoreEvent(long Generation, string Class, string Ref, string Operation, Dictionary<string, object?>? Snapshot, long Created = 0);

/// <summary>A ref field whose target lists the object back in one of its set fields.</summary>
internal sealed record Relation(string ChildClass, string Field, string ParentClass, string ParentSet);

internal static class Relations
{
    private static readonly Relation[] All =
    [
        new("VBD", "VM", "VM", "VBDs"), new("VBD", "VDI", "VDI", "VBDs"), new("VDI", "SR", "SR", "VDIs"),
        new("VIF", "VM", "VM", "VIFs"), new("VIF", "network", "network", "VIFs"),
        new("PBD", "SR", "SR", "PBDs"), new("PBD", "host", "host", "PBDs"),
        new("PIF", "network", "network", "PIFs"), new("PIF", "host", "host", "PIFs"),
        new("VM", "snapshot_of", "VM", "snapshots"), new("VM", "resident_on", "host", "resident_VMs"),
        new("VLAN", "tagged_PIF", "PIF", "VLAN_slave_of"), new("VDI", "snapshot_of", "VDI", "snapshots"),
        new("console", "VM", "VM", "consoles"),
    ];

    public static IEnumerable<Relation> From(string cls) => All.Where(r => r.ChildClass == cls);
}
