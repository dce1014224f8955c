namespace Simplestack.Core;

/// <summary>Which console of a guest (API.md §10).</summary>
public enum ConsoleType
{
    /// <summary>The serial console: the bytes of the guest's first serial port (LXC: its console).</summary>
    Serial,

    /// <summary>The graphical console, as RFB (the VNC protocol), from its first byte (<c>RFB 003.008</c>).</summary>
    Vnc,
}

/// <summary>
/// The console of a guest, opened as a duplex byte stream the server pumps to and from a
/// WebSocket. Reading waits for the guest's bytes and answers 0 once the console has ended (the
/// guest stopped, or another opener took the console over); writing completes when the hypervisor
/// has taken the bytes, which is the back-pressure towards the client. What the stream buffers is
/// bounded. Disposing it closes the console.
/// </summary>
[Capability(105, "console", "GET .../guests/{id}/console (WebSocket), POST .../guests/{id}/console/ticket")]
public interface IGuestConsole
{
    /// <summary>The console types this hypervisor's guests can have; the others answer 501 without asking it.</summary>
    IReadOnlySet<ConsoleType> ConsoleTypes { get; }

    /// <summary>
    /// Opens the console. Throws <see cref="EntityNotFoundException"/> (no such guest),
    /// <see cref="ConflictException"/> (the guest is not running, or its serial console is held by
    /// another opener and <paramref name="force"/> is false), <see cref="FeatureNotAvailableException"/>
    /// (the guest or hypervisor has no console of that type).
    /// </summary>
    /// <param name="force">Take the serial console over from whoever holds it (as <c>virsh console --force</c>).</param>
    Task<Stream> OpenConsoleAsync(string guestId, ConsoleType type, bool force, CancellationToken cancellationToken);
}
