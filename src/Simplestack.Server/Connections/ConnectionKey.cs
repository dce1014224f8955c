using System.Security.Cryptography;
using System.Text;
using Simplestack.Core;

namespace Simplestack.Server.Connections;

/// <summary>
/// What a pooled connection is for: the target and who connects. The password is kept only as
/// its SHA-256, so a key can be compared and logged without holding the secret. A shared target
/// (the test hypervisor, whose state lives in its connection) has one key whatever the credentials.
/// </summary>
public sealed record ConnectionKey(string Hypervisor, string Host, int? Port, string? User, string? PasswordSha256)
{
    public static ConnectionKey For(HypervisorTarget target, HypervisorCredentials? credentials, bool shared)
    {
        var hypervisor = target.Hypervisor.ToLowerInvariant();
        var host = target.Host.ToLowerInvariant();
        if (shared || credentials is null)
        {
            return new ConnectionKey(hypervisor, host, target.Port, null, null);
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(credentials.Password)));
        return new ConnectionKey(hypervisor, host, target.Port, credentials.User, hash);
    }

    /// <summary>Names the target only.</summary>
    public override string ToString() => Port is null ? $"{Hypervisor}/{Host}" : $"{Hypervisor}/{Host}:{Port}";
}
