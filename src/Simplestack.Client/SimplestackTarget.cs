using System.Text;

namespace Simplestack.Client;

/// <summary>
/// The hypervisor a client talks to through the gateway (<c>/{hypervisor}/{host}</c>) and the
/// credentials sent with every request: the hypervisor's user and password in
/// <c>x-simplestack-hypervisor-token</c>, and the caller's own API key in <c>x-simplestack-token</c>.
/// </summary>
public sealed record SimplestackTarget
{
    public const string HypervisorTokenHeader = "x-simplestack-hypervisor-token";
    public const string ApiKeyHeader = "x-simplestack-token";

    public SimplestackTarget(string hypervisor, string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hypervisor);
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        Hypervisor = hypervisor;
        Host = host;
    }

    /// <summary>The embedded test hypervisor every gateway serves.</summary>
    public static SimplestackTarget Test { get; } = new("test", "default");

    /// <summary><c>test</c>, <c>kvm</c>, <c>qemu</c>, <c>lxc</c>, <c>xen</c>, <c>vmware</c>, ...</summary>
    public string Hypervisor { get; init; }

    /// <summary>The host part of the URL (<c>default</c>, <c>localhost</c>, <c>10.0.0.5:16509</c>).</summary>
    public string Host { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>The caller's key for the gateway itself, when the gateway asks for one.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The path prefix of every route of this target: <c>/test/default</c>.</summary>
    public string BasePath => $"/{Uri.EscapeDataString(Hypervisor)}/{Uri.EscapeDataString(Host)}";

    /// <summary>base64(user:password), or null when no user is set.</summary>
    public string? HypervisorToken => Username is null
        ? null
        : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));

    /// <summary>Redacted: a target may end up in a log message.</summary>
    public override string ToString() => Username is null ? $"{Hypervisor}/{Host}" : $"{Username}:***@{Hypervisor}/{Host}";
}
