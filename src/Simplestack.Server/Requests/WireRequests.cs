using Simplestack.Core;

namespace Simplestack.Server.Requests;

// Bodies that have no record in Core, each with its own rules. The others (GuestCreateRequest,
// DiskCreateRequest, DiskUpdateRequest, NicCreateRequest, SnapshotCreateRequest, NetworkCreateRequest,
// VolumeCreateRequest) are read directly into Core's records, whose shape is the wire's, and check
// themselves too; the guest and NIC updates, whose fields take two shapes, are read by hand
// (GuestUpdateBody, NicUpdateBody) into Core's records.

/// <summary><c>PUT .../power</c>: <c>start</c>, <c>stop</c>, <c>force_stop</c>, <c>pause</c> or <c>resume</c>.</summary>
public sealed record PowerRequest(string State) : IValidatable
{
    private static readonly Dictionary<string, PowerAction> Actions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["start"] = PowerAction.Start,
        ["stop"] = PowerAction.Stop,
        ["force_stop"] = PowerAction.ForceStop,
        ["pause"] = PowerAction.Pause,
        ["resume"] = PowerAction.Resume,
    };

    /// <summary>Every <c>state</c> word, in <see cref="PowerAction"/>'s order.</summary>
    public static IReadOnlyList<string> States { get; } = [.. Enum.GetValues<PowerAction>().Select(Word)];

    public void Validate() => ToAction();

    /// <summary>The power action <see cref="State"/> names; 400 for any other word.</summary>
    public PowerAction ToAction() => Parse(State);

    /// <summary>The power action for a <c>state</c> word; 400 for any other word.</summary>
    public static PowerAction Parse(string? state)
        => state is not null && Actions.TryGetValue(state.Trim(), out var action)
            ? action
            : throw new InvalidArgumentException(
                $"Unknown power state '{state}': expected one of start, stop, force_stop, pause, resume.");

    /// <summary>The word the answer echoes for a power action.</summary>
    public static string Word(PowerAction action) => action switch
    {
        PowerAction.Start => "start",
        PowerAction.Stop => "stop",
        PowerAction.ForceStop => "force_stop",
        PowerAction.Pause => "pause",
        PowerAction.Resume => "resume",
        _ => action.ToString().ToLowerInvariant(),
    };
}

/// <summary><c>PUT .../reboot</c> (the body is optional).</summary>
public sealed record RebootRequest(bool Force = false);

/// <summary><c>POST .../clone</c>.</summary>
public sealed record CloneRequest(string Name) : IValidatable
{
    public void Validate() => FieldRules.Required(Name, "name");
}

/// <summary><c>POST .../tags</c>.</summary>
public sealed record TagCreateRequest(string Name) : IValidatable
{
    public void Validate()
    {
        FieldRules.Required(Name, "name");
        if (Name.Contains('/', StringComparison.Ordinal) || Name.Any(char.IsControl))
        {
            throw new InvalidArgumentException("A tag cannot contain '/' or control characters.");
        }
    }
}

/// <summary><c>PUT .../media_device</c>: an ISO name to mount, or null or <c>""</c> to eject.</summary>
public sealed record MediaRequest(string? Name);
