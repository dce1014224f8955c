using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>
/// The messages every class has (xapi generates them from the data model): records, lookups,
/// field getters and setters, map and set edits, and plain create/destroy.
/// </summary>
internal static class GenericMessages
{
    /// <summary>The handler for a generated message, or null when it needs hand-written semantics.</summary>
    public static Handler? Find(ClassSchema cls, MessageSchema message)
    {
        var name = message.Name;
        switch (name)
        {
            case "get_record": return c => Wire.Copy(c.Record(c.Class, 0));
            case "get_all": return c => c.Store.All(c.Class).Select(o => (object?)o.Ref).ToList();
            case "get_all_records":
                return c => c.Store.All(c.Class).ToDictionary(o => o.Ref, o => Wire.Copy(o.Record), StringComparer.Ordinal);
            case "get_by_uuid": return c => c.Store.RefByUuid(c.Class, c.String(0));
            case "get_by_name_label":
                return c => c.Store.All(c.Class).Where(o => (string?)o.Record["name_label"] == c.String(0))
                    .Select(o => (object?)o.Ref).ToList();
            case "create": return c => c.Store.Create(c.Class, Wire.AsMap(c.Args[0]));
            case "destroy":
                return c =>
                {
                    c.Store.Get(c.Class, c.Ref(0));
                    c.Store.Destroy(c.Class, c.Ref(0));
                    return null;
                };
        }
        if (Field(cls, name, "get_") is { } got)
        {
            return c => Wire.Copy(c.Record(c.Class, 0)[got.Name]);
        }
        // Some setters are not implicit in the IDL but, for the simulator, a plain write of the
        // field is their whole effect; those with checks have handlers (VmSettings.cs).
        if (Field(cls, name, "set_") is { } set)
        {
            return c => { c.Store.Set(c.Class, c.Ref(0), set.Name, c.Args[1]); return null; };
        }
        if (Field(cls, name, "add_to_") is { Kind: FieldKind.Map } addTo)
        {
            return c =>
            {
                var map = Wire.AsMap(c.Record(c.Class, 0)[addTo.Name]);
                if (!map.TryAdd(c.String(1), c.Args[2] is string ? c.String(2) : c.Args[2]))
                {
                    throw new XenApiException(ErrorCodes.MAP_DUPLICATE_KEY, c.Class, addTo.Name, c.Ref(0), c.String(1));
                }
                c.Store.Touch(c.Class, c.Ref(0));
                return null;
            };
        }
        if (Field(cls, name, "remove_from_") is { Kind: FieldKind.Map } removeFrom)
        {
            return c =>
            {
                Wire.AsMap(c.Record(c.Class, 0)[removeFrom.Name]).Remove(c.String(1));
                c.Store.Touch(c.Class, c.Ref(0));
                return null;
            };
        }
        if (Field(cls, name, "add_") is { Kind: FieldKind.Set } add)
        {
            return c =>
            {
                var set = Wire.AsList(c.Record(c.Class, 0)[add.Name]);
                if (!set.Contains(c.Args[1]))
                {
                    set.Add(c.Args[1]);
                }
                c.Store.Touch(c.Class, c.Ref(0));
                return null;
            };
        }
        if (Field(cls, name, "remove_") is { Kind: FieldKind.Set } remove)
        {
            return c =>
            {
                Wire.AsList(c.Record(c.Class, 0)[remove.Name]).Remove(c.Args[1]);
                c.Store.Touch(c.Class, c.Ref(0));
                return null;
            };
        }
        return null;
    }

    private static FieldSchema? Field(ClassSchema cls, string message, string prefix) =>
        message.StartsWith(prefix, StringComparison.Ordinal)
        && cls.Fields.TryGetValue(message[prefix.Length..], out var field) ? field : null;
}
