using System.Globalization;
using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>
/// Serves one call as xapi's server does: method lookup (MESSAGE_METHOD_UNKNOWN), parameter
/// count (MESSAGE_PARAMETER_COUNT_MISMATCH, defaults filled), the session check (SESSION_INVALID),
/// then the hand-written semantics or the generic message, or a task for "Async." calls.
/// </summary>
internal sealed class Dispatcher
{
    private const string AsyncPrefix = "Async.";
    private readonly SimulatorState _state;
    private readonly Dictionary<string, Handler> _handlers = new(StringComparer.Ordinal);

    public Dispatcher(SimulatorState state)
    {
        _state = state;
        VmMessages.Register(_handlers);
        StorageMessages.Register(_handlers);
        NetworkMessages.Register(_handlers);
        TaskMessages.Register(_handlers);
        EventMessages.Register(_handlers);
    }

    /// <summary>Runs a call; <paramref name="onSlave"/> is true for the listener that plays a pool member.</summary>
    public async Task<object?> CallAsync(RpcCall call, bool onSlave)
    {
        _state.Called(call.Method);
        if (call.Method == "system.listMethods")
        {
            return ListMethods();
        }
        var isAsync = call.Method.StartsWith(AsyncPrefix, StringComparison.Ordinal);
        var method = isAsync ? call.Method[AsyncPrefix.Length..] : call.Method;
        var dot = method.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || !Schema.Classes.TryGetValue(method[..dot], out var cls)
            || !cls.Messages.TryGetValue(method[(dot + 1)..], out var message)
            || (isAsync && !CanBeAsync(cls, message)))
        {
            throw new XenApiException(ErrorCodes.MESSAGE_METHOD_UNKNOWN, call.Method);
        }
        var args = FillDefaults(call, message);

        if (cls.Name == "session" && message.Name == "login_with_password")
        {
            if (onSlave)
            {
                throw new XenApiException(ErrorCodes.HOST_IS_SLAVE, _state.MasterAddress);
            }
            lock (_state.Store.Sync)
            {
                return _state.Sessions.Login(Wire.AsString(args[0]), Wire.AsString(args[1]), Wire.AsString(args[3]), _state.Master);
            }
        }
        var session = message.TakesSession ? Wire.AsString(args[0]) : "";
        var rest = message.TakesSession ? args.Skip(1).ToList() : args;
        var handler = _handlers.GetValueOrDefault(cls.Name + "." + message.Name) ?? GenericMessages.Find(cls, message);
        CallContext context;
        lock (_state.Store.Sync)
        {
            if (message.TakesSession)
            {
                _state.Sessions.Validate(session);
            }
            context = new CallContext(_state, session, cls.Name, message.Name, rest);
            if (cls.Name == "session" && message.Name == "logout")
            {
                _state.Sessions.Logout(session);
                return null;
            }
            if (handler is null && !(cls.Name == "event" && message.Name == "from"))
            {
                throw new XenApiException(ErrorCodes.NOT_IMPLEMENTED, call.Method);
            }
            if (isAsync)
            {
                return TaskMessages.StartAsync(context, handler!);
            }
        }
        if (cls.Name == "event" && message.Name == "from")
        {
            return await EventMessages.FromAsync(context).ConfigureAwait(false);
        }
        lock (_state.Store.Sync)
        {
            return handler!(context);
        }
    }

    // xapi has no Async form of session.*, task.* or the generated field getters and setters.
    private static bool CanBeAsync(ClassSchema cls, MessageSchema message) =>
        cls.Name is not ("session" or "task" or "event")
        && !(message.Implicit && (message.Name.StartsWith("get_", StringComparison.Ordinal)
                                  || message.Name.StartsWith("set_", StringComparison.Ordinal)));

    private static List<object?> FillDefaults(RpcCall call, MessageSchema message)
    {
        var received = call.Params.Count;
        if (received < message.MinimumCount || received > message.Params.Length)
        {
            throw new XenApiException(ErrorCodes.MESSAGE_PARAMETER_COUNT_MISMATCH, call.Method,
                message.Params.Length.ToString(CultureInfo.InvariantCulture), received.ToString(CultureInfo.InvariantCulture));
        }
        var args = new List<object?>(call.Params);
        for (var i = received; i < message.Params.Length; i++)
        {
            args.Add(message.Params[i].Default!());
        }
        return args;
    }

    private static List<object?> ListMethods() =>
        Schema.Classes.Values.SelectMany(c => c.Messages.Keys.Select(m => (object?)(c.Name + "." + m))).ToList();
}
