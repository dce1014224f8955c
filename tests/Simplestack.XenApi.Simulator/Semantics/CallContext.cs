using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Store;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>One call being served: who asked (the session), what, and the pool it acts on.</summary>
internal sealed record CallContext(SimulatorState State, string Session, string Class, string Message, IReadOnlyList<object?> Args)
{
    public ObjectStore Store => State.Store;
    public string Method => Class + "." + Message;

    public string Ref(int index) => Wire.AsString(Args[index]);
    public string String(int index) => Wire.AsString(Args[index]);
    public long Long(int index) => Wire.AsLong(Args[index]);
    public bool Bool(int index) => Wire.AsBool(Args[index]);

    /// <summary>The record an argument refers to, checked to be of the given class.</summary>
    public Dictionary<string, object?> Record(string cls, int index) => Store.Get(cls, Ref(index));
}

/// <summary>A hand-written message: runs under the store's lock and returns the call's result.</summary>
internal delegate object? Handler(CallContext call);
