using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Provisioning;

namespace Simplestack.Drivers.Libvirt.Tests.Unit;

public sealed class ProvisioningTests
{
    private static readonly string[] Allowed = ["http://mirror.lab/debian/"];

    [Theory]
    [InlineData("http://mirror.lab/debian/dists/bookworm/main/installer-amd64", "http://mirror.lab/debian/dists/bookworm/main/installer-amd64/")]
    [InlineData("http://mirror.lab/debian/x/?q=1#frag", null)]
    [InlineData("http://mirror.lab/debianx/", null)]
    [InlineData("http://169.254.169.254/latest/meta-data/", null)]
    [InlineData("file:///etc/passwd", null)]
    [InlineData("http://user:pw@mirror.lab/debian/x", null)]
    [InlineData("not a url", null)]
    public void Install_locations_pass_only_under_allowed_prefixes(string location, string? expected)
    {
        if (expected is null)
        {
            var error = Assert.ThrowsAny<SimplestackException>(() => InstallLocations.Validate(location, Allowed));
            Assert.Contains(error.Kind, new[] { ErrorKind.TargetNotAllowed, ErrorKind.InvalidArguments });
        }
        else
        {
            Assert.Equal(expected, InstallLocations.Validate(location, Allowed).AbsoluteUri);
        }
    }

    [Fact]
    public void No_prefix_configured_means_no_install_location_is_allowed()
    {
        var error = Assert.ThrowsAny<SimplestackException>(() => InstallLocations.Validate("http://mirror.lab/debian/", []));
        Assert.Equal(ErrorKind.TargetNotAllowed, error.Kind);
    }

    [Fact]
    public void Ssh_keys_without_user_data_become_a_cloud_config_and_meta_data_public_keys()
    {
        var (userData, metaData) = NoCloudSeed.Files("id-1", "web1", null, ["ssh-ed25519 AAAA key@host"]);
        Assert.Equal("#cloud-config\nssh_authorized_keys:\n  - \"ssh-ed25519 AAAA key@host\"\n", userData);
        Assert.Contains("instance-id: \"id-1\"", metaData, StringComparison.Ordinal);
        Assert.Contains("local-hostname: \"web1\"", metaData, StringComparison.Ordinal);
        Assert.Contains("public-keys:\n  - \"ssh-ed25519 AAAA key@host\"", metaData, StringComparison.Ordinal);
    }

    [Fact]
    public void User_data_is_kept_as_given_and_hostile_names_stay_quoted()
    {
        var (userData, metaData) = NoCloudSeed.Files("id", "evil\"\nruncmd: [reboot]", "#!/bin/sh\necho hi\n", []);
        Assert.Equal("#!/bin/sh\necho hi\n", userData);
        Assert.Contains("local-hostname: \"evil\\\"\\u000aruncmd: [reboot]\"", metaData, StringComparison.Ordinal);
        Assert.DoesNotContain("\nruncmd", metaData, StringComparison.Ordinal);
    }

    [Fact]
    public void A_multi_line_ssh_key_is_refused()
        => Assert.Throws<InvalidArgumentException>(() => NoCloudSeed.Files("id", "h", null, ["ssh-rsa AAA\nruncmd: x"]));
}
