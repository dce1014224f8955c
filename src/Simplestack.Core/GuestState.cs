namespace Simplestack.Core;

/// <summary>The three states of the original API. Every native state maps to one of them.</summary>
public enum GuestState
{
    STARTED,
    STOPPED,
    PAUSED,
}

/// <summary>The state of a guest as the API reports it: the coarse state and the hypervisor's own word.</summary>
public readonly record struct GuestStatus(GuestState State, string Detail);
