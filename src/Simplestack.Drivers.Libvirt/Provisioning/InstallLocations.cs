using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Provisioning;

/// <summary>
/// Where an installer's kernel and initrd lie under an install <c>location</c>, as virt-install
/// finds them (Debian and Ubuntu netboot trees, RPM trees with images/pxeboot, or the files
/// themselves at the top), and the allow-list check on the location itself: the gateway fetches
/// from it, so it is another SSRF door and only configured prefixes pass.
/// </summary>
public static class InstallLocations
{
    public static readonly IReadOnlyList<(string Kernel, string Initrd)> Layouts =
    [
        ("current/images/netboot/debian-installer/amd64/linux", "current/images/netboot/debian-installer/amd64/initrd.gz"),
        ("current/legacy-images/netboot/ubuntu-installer/amd64/linux", "current/legacy-images/netboot/ubuntu-installer/amd64/initrd.gz"),
        ("images/pxeboot/vmlinuz", "images/pxeboot/initrd.img"),
        ("linux", "initrd.gz"),
        ("vmlinuz", "initrd.img"),
    ];

    /// <summary>The location as an absolute http(s) URI ending in '/', or 403 when no configured prefix allows it.</summary>
    public static Uri Validate(string location, IEnumerable<string> allowedPrefixes)
    {
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new InvalidArgumentException("install.location must be an absolute http or https URL without credentials.");
        }

        var normalised = new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        var text = normalised.AbsoluteUri;
        foreach (var prefix in allowedPrefixes)
        {
            if (Uri.TryCreate(prefix, UriKind.Absolute, out var allowed) && text.StartsWith(allowed.AbsoluteUri, StringComparison.Ordinal))
            {
                return normalised;
            }
        }

        throw new SimplestackException(ErrorKind.TargetNotAllowed, "install.location is not under a URL prefix the configuration allows.");
    }
}
