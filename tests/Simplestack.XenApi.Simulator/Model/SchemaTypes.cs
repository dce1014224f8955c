namespace Simplestack.XenApi.Simulator.Model;

/// <summary>How a field's value is held and sent.</summary>
internal enum FieldKind { String, Int, Float, Bool, DateTime, Ref, Enum, Set, Map, Record }

/// <summary>Who may write a field: anyone (RW), only the constructor, or only the server.</summary>
internal enum FieldAccess { ReadWrite, Constructor, Runtime }

internal sealed record FieldSchema(string Name, string Type, FieldKind Kind, FieldAccess Access, Func<object?> Default)
{
    /// <summary>The class a ref (or ref set) field points at, e.g. "VBD" for "VBD ref set".</summary>
    public string? TargetClass => Type.EndsWith(" ref", StringComparison.Ordinal) ? Type[..^4]
        : Type.EndsWith(" ref set", StringComparison.Ordinal) ? Type[..^8] : null;
}

/// <summary>A parameter; <paramref name="Default"/> is set when a caller may leave it off the end.</summary>
internal sealed record ParamSchema(string Name, string Type, Func<object?>? Default);

internal sealed record MessageSchema(string Name, string Result, bool Implicit, ParamSchema[] Params)
{
    public bool TakesSession => Params.Length > 0 && Params[0].Type == "session ref";

    /// <summary>The fewest parameters a caller may send: the ones before the first that has a default.</summary>
    public int MinimumCount => Params.TakeWhile(p => p.Default is null).Count();
}

internal sealed class ClassSchema
{
    public ClassSchema(string name, FieldSchema[] fields, MessageSchema[] messages)
    {
        Name = name;
        Fields = fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        FieldOrder = fields;
        Messages = messages.ToDictionary(m => m.Name, StringComparer.Ordinal);
    }

    public string Name { get; }
    public IReadOnlyList<FieldSchema> FieldOrder { get; }
    public IReadOnlyDictionary<string, FieldSchema> Fields { get; }
    public IReadOnlyDictionary<string, MessageSchema> Messages { get; }
    public bool HasNameLabel => Fields.ContainsKey("name_label");
}
