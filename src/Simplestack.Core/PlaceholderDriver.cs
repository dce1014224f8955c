namespace Simplestack.Core;

/// <summary>
/// A hypervisor whose driver is not built (or cannot exist on this platform). It is registered so
/// that its URLs answer 501 with a clear message instead of 404.
/// </summary>
public sealed class PlaceholderDriver(string name, ErrorKind kind, string message) : IHypervisorDriver
{
    public string Name { get; } = name;

    /// <summary>No connection is ever opened, so no capability either.</summary>
    public Type ConnectionType => typeof(IHypervisorConnection);

    public string? UnavailableReason => message;

    public bool RequiresCredentials(HypervisorTarget target) => false;

    public Task<IHypervisorConnection> ConnectAsync(HypervisorTarget target, HypervisorCredentials? credentials, CancellationToken cancellationToken)
        => throw new SimplestackException(kind, message);
}
