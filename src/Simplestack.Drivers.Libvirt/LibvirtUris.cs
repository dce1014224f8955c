using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt;

/// <summary>Builds the libvirt connection URI for a target (API.md §1). Pure.</summary>
public static class LibvirtUris
{
    private static readonly HashSet<string> Transports = ["ssh", "libssh", "libssh2", "tls", "tcp"];

    public static string For(LibvirtFlavor flavor, HypervisorTarget target, LibvirtDriverOptions options, string? user)
    {
        if (flavor == LibvirtFlavor.Test)
        {
            // Only the built-in "default" host exists; anything else would silently be a fresh,
            // empty hypervisor, which is never what a caller means.
            return target.Host == "default" && target.Port is null
                ? "test:///default"
                : throw EntityNotFoundException.Of("test hypervisor host", target.Host);
        }

        var scheme = flavor == LibvirtFlavor.Lxc ? "lxc" : "qemu";
        if (target.IsLocal)
        {
            return flavor == LibvirtFlavor.Lxc ? options.LxcLocalUri : options.QemuLocalUri;
        }

        var transport = options.RemoteTransport;
        if (!Transports.Contains(transport))
        {
            throw new InvalidArgumentException($"Unknown libvirt transport '{transport}' in the configuration.");
        }

        var builder = new UriBuilder($"{scheme}+{transport}", BracketIPv6(target.Host))
        {
            Path = "/system",
            Port = target.Port ?? -1,
        };
        if (!string.IsNullOrEmpty(user))
        {
            builder.UserName = Uri.EscapeDataString(user);
        }

        if (transport == "ssh" && !string.IsNullOrEmpty(options.SshKeyFile))
        {
            builder.Query = "keyfile=" + Uri.EscapeDataString(options.SshKeyFile);
        }

        return builder.Uri.AbsoluteUri;
    }

    private static string BracketIPv6(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
}
