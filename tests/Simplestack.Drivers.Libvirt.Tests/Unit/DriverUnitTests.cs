using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt.Tests.Unit;

/// <summary>Pure parts of the driver: URIs, state map, device names, MACs, path rules, error table.</summary>
public sealed class DriverUnitTests
{
    private static readonly LibvirtDriverOptions Options = new();

    [Theory]
    [InlineData(LibvirtFlavor.Test, "default", null, null, "test:///default")]
    [InlineData(LibvirtFlavor.Qemu, "localhost", null, null, "qemu:///system")]
    [InlineData(LibvirtFlavor.Lxc, "localhost", null, null, "lxc:///system")]
    [InlineData(LibvirtFlavor.Qemu, "10.0.0.1", null, "root", "qemu+ssh://root@10.0.0.1/system")]
    [InlineData(LibvirtFlavor.Qemu, "kvm1.example", 2222, "ops", "qemu+ssh://ops@kvm1.example:2222/system")]
    [InlineData(LibvirtFlavor.Lxc, "fd00::1", null, null, "lxc+ssh://[fd00::1]/system")]
    public void Uris_follow_the_addressing_table(LibvirtFlavor flavor, string host, int? port, string? user, string expected)
        => Assert.Equal(expected, LibvirtUris.For(flavor, new HypervisorTarget("x", host, port), Options, user));

    [Fact]
    public void Ssh_uris_carry_the_configured_key_and_user_names_are_escaped()
    {
        var options = new LibvirtDriverOptions { SshKeyFile = "/etc/simplestack/id_ed25519" };
        Assert.Equal(
            "qemu+ssh://a%40b@h/system?keyfile=%2Fetc%2Fsimplestack%2Fid_ed25519",
            LibvirtUris.For(LibvirtFlavor.Qemu, new HypervisorTarget("kvm", "h"), options, "a@b"));
    }

    [Fact]
    public void The_test_driver_has_only_the_default_host()
        => Assert.Throws<EntityNotFoundException>(() => LibvirtUris.For(LibvirtFlavor.Test, new HypervisorTarget("test", "other"), Options, null));

    [Fact]
    public void An_unknown_transport_is_a_configuration_error()
        => Assert.Throws<InvalidArgumentException>(() => LibvirtUris.For(LibvirtFlavor.Qemu, new HypervisorTarget("kvm", "h"), new LibvirtDriverOptions { RemoteTransport = "http" }, null));

    [Theory]
    [InlineData(DomainState.Running, GuestState.STARTED, "running")]
    [InlineData(DomainState.Blocked, GuestState.STARTED, "blocked")]
    [InlineData(DomainState.Shutdown, GuestState.STARTED, "shutdown")]
    [InlineData(DomainState.Paused, GuestState.PAUSED, "paused")]
    [InlineData(DomainState.PmSuspended, GuestState.PAUSED, "pmsuspended")]
    [InlineData(DomainState.Shutoff, GuestState.STOPPED, "shutoff")]
    [InlineData(DomainState.Crashed, GuestState.STOPPED, "crashed")]
    [InlineData(DomainState.NoState, GuestState.STOPPED, "nostate")]
    [InlineData((DomainState)42, GuestState.STOPPED, "unknown-42")]
    public void Every_native_state_maps_and_keeps_its_word(DomainState native, GuestState state, string detail)
        => Assert.Equal(new GuestStatus(state, detail), StateMap.Map(native));

    [Theory]
    [InlineData("virtio", new string[0], "vda")]
    [InlineData("virtio", new[] { "vda", "vdb" }, "vdc")]
    [InlineData("scsi", new[] { "vda" }, "sda")]
    [InlineData("ide", new[] { "hda", "hdb" }, "hdc")]
    public void Disk_targets_take_the_first_free_name(string bus, string[] taken, string expected)
        => Assert.Equal(expected, DiskTargets.Next(bus, taken));

    [Theory]
    [InlineData(0, "a")]
    [InlineData(25, "z")]
    [InlineData(26, "aa")]
    [InlineData(27, "ab")]
    [InlineData(52, "ba")]
    public void Disk_suffixes_count_like_libvirt(int index, string suffix) => Assert.Equal(suffix, DiskTargets.Suffix(index));

    [Fact]
    public void Generated_macs_are_qemu_locally_administered_and_distinct()
    {
        var macs = Enumerable.Range(0, 50).Select(_ => MacAddresses.Generate()).ToList();
        Assert.All(macs, m => Assert.Matches("^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$", m));
        Assert.True(macs.Distinct().Count() > 45);
    }

    [Theory]
    [InlineData("52-54-00-AA-BB-CC", "52:54:00:aa:bb:cc")]
    [InlineData(" 52:54:00:aa:bb:cc ", "52:54:00:aa:bb:cc")]
    public void Macs_are_normalised(string input, string expected) => Assert.Equal(expected, MacAddresses.Normalise(input));

    [Theory]
    [InlineData("52:54:00:aa:bb")]
    [InlineData("zz:54:00:aa:bb:cc")]
    [InlineData("01:00:5e:00:00:01")]
    [InlineData("52:54:00:aa:bb:cc'/><x")]
    public void Bad_or_multicast_macs_are_refused(string mac) => Assert.Throws<InvalidArgumentException>(() => MacAddresses.Normalise(mac));

    [Theory]
    [InlineData("/srv/iso/debian.iso", true)]
    [InlineData("/srv/iso/sub/x.iso", true)]
    [InlineData("/srv/iso/../../etc/passwd", false)]
    [InlineData("/srv/isox/evil.iso", false)]
    [InlineData("relative.iso", false)]
    [InlineData("/srv/iso/nul\0.iso", false)]
    public void Host_paths_must_lie_inside_allowed_folders(string path, bool allowed)
    {
        string[] folders = ["/srv/iso"];
        if (allowed)
        {
            Assert.StartsWith("/srv/iso/", PathRules.InsideAllowed(path, folders, "ISO"), StringComparison.Ordinal);
        }
        else
        {
            Assert.Throws<InvalidArgumentException>(() => PathRules.InsideAllowed(path, folders, "ISO"));
        }
    }

    [Theory]
    [InlineData(LibvirtErrorCode.NoDomain, ErrorKind.EntityNotFound)]
    [InlineData(LibvirtErrorCode.NoDomainSnapshot, ErrorKind.EntityNotFound)]
    [InlineData(LibvirtErrorCode.DomExist, ErrorKind.Conflict)]
    [InlineData(LibvirtErrorCode.OperationInvalid, ErrorKind.Conflict)]
    [InlineData(LibvirtErrorCode.InvalidArg, ErrorKind.InvalidArguments)]
    [InlineData(LibvirtErrorCode.NoSupport, ErrorKind.FeatureNotAvailable)]
    [InlineData(LibvirtErrorCode.AuthFailed, ErrorKind.Unauthorized)]
    [InlineData(LibvirtErrorCode.OperationTimeout, ErrorKind.HypervisorTimeout)]
    [InlineData(LibvirtErrorCode.NoConnect, ErrorKind.HypervisorUnavailable)]
    [InlineData(LibvirtErrorCode.Rpc, ErrorKind.HypervisorUnavailable)]
    [InlineData(LibvirtErrorCode.InternalError, ErrorKind.HypervisorError)]
    public void Libvirt_error_codes_map_to_the_error_family(LibvirtErrorCode code, ErrorKind kind)
    {
        var error = LibvirtErrors.Translate(new LibvirtException("boom", code, 0, 2), "kvm");
        Assert.Equal(kind, error.Kind);
    }
}
