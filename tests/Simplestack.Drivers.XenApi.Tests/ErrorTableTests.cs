using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi.Tests;

public class ErrorTableTests
{
    [Theory]
    [InlineData("HANDLE_INVALID", ErrorKind.EntityNotFound)]
    [InlineData("UUID_INVALID", ErrorKind.EntityNotFound)]
    [InlineData("VM_BAD_POWER_STATE", ErrorKind.Conflict)]
    [InlineData("OTHER_OPERATION_IN_PROGRESS", ErrorKind.Conflict)]
    [InlineData("SESSION_AUTHENTICATION_FAILED", ErrorKind.Unauthorized)]
    [InlineData("SR_FULL", ErrorKind.Conflict)]
    [InlineData("VLAN_TAG_INVALID", ErrorKind.InvalidArguments)]
    [InlineData("IMPORT_ERROR", ErrorKind.InvalidArguments)]
    [InlineData("HOST_NOT_ENOUGH_FREE_MEMORY", ErrorKind.Conflict)]
    [InlineData("IMPORT_ERROR_PREMATURE_EOF", ErrorKind.InvalidArguments)]
    [InlineData("SOMETHING_NEW", ErrorKind.HypervisorError)]
    [InlineData("SESSION_INVALID", ErrorKind.HypervisorError)]
    public void Each_code_maps_to_one_kind(string code, ErrorKind kind)
    {
        var failure = new XenApiFailure(code, ["VM", "OpaqueRef:secret-session", "running"]);

        var error = XenApiErrors.ToDomain(failure);

        Assert.Equal(kind, error.Kind);
        Assert.Same(failure, XenApiErrors.FailureOf(error));
        Assert.DoesNotContain("OpaqueRef", error.Message, StringComparison.Ordinal); // refs (sessions among them) never leave the driver
    }

    [Fact]
    public void The_typed_exceptions_are_the_domains_own()
    {
        Assert.IsType<EntityNotFoundException>(XenApiErrors.ToDomain(new XenApiFailure("UUID_INVALID", ["VM", "x"])));
        Assert.IsType<ConflictException>(XenApiErrors.ToDomain(new XenApiFailure("VM_BAD_POWER_STATE", ["r", "halted", "running"])));
        Assert.IsType<UnauthorizedException>(XenApiErrors.ToDomain(new XenApiFailure("SESSION_AUTHENTICATION_FAILED", [])));
        Assert.IsType<InvalidArgumentException>(XenApiErrors.ToDomain(new XenApiFailure("VLAN_TAG_INVALID", ["5000"])));
    }

    [Fact]
    public void Unknown_codes_are_named_in_the_502()
    {
        var error = XenApiErrors.ToDomain(new XenApiFailure("PIF_IS_PHYSICAL", ["OpaqueRef:pif"]));

        Assert.IsType<HypervisorErrorException>(error);
        Assert.Contains("PIF_IS_PHYSICAL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_power_state_says_what_the_state_is()
    {
        var error = XenApiErrors.ToDomain(new XenApiFailure("VM_BAD_POWER_STATE", ["OpaqueRef:vm", "halted", "running"]));

        Assert.Contains("running", error.Message, StringComparison.Ordinal);
        Assert.Contains("halted", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-hex")]
    [InlineData("abcd")]
    public void A_malformed_pin_is_refused_not_ignored(string pin)
    {
        var options = new XenApiDriverOptions();
        options.CertificatePins["127.0.0.1:8443"] = pin;

        var error = Assert.Throws<InvalidOperationException>(() => new XenApiDriver(options));
        Assert.Contains("127.0.0.1:8443", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_with_colons_is_read()
        => Assert.Equal(32, Simplestack.Core.CertificateTrust.ParseFingerprint("t", string.Join(':', Enumerable.Repeat("AB", 32))).Length);

    [Fact]
    public void A_missing_ca_file_is_refused_not_ignored()
        => Assert.Throws<InvalidOperationException>(() => new XenApiDriver(new XenApiDriverOptions { CaFile = "/nonexistent/ca.pem" }));
}
