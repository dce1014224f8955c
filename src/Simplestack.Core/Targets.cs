namespace Simplestack.Core;

/// <summary>Where a request goes: the driver name from the URL (aliases resolved) and the host part.</summary>
public sealed record HypervisorTarget(string Hypervisor, string Host, int? Port = null)
{
    /// <summary>True for the local sockets (<c>localhost</c>), which need no credentials.</summary>
    public bool IsLocal => Host is "localhost" or "127.0.0.1" or "::1" && Port is null;

    public override string ToString() => Port is null ? $"{Hypervisor}/{Host}" : $"{Hypervisor}/{Host}:{Port}";
}

/// <summary>
/// The caller's hypervisor credentials from <c>x-simplestack-hypervisor-token</c>. The password
/// never leaves this object except into the hypervisor's own authentication callback.
/// </summary>
public sealed class HypervisorCredentials(string user, string password)
{
    public string User { get; } = user;

    public string Password { get; } = password;

    /// <summary>Redacted: a credential object may end up in a log message by accident.</summary>
    public override string ToString() => $"{User}:***";
}
