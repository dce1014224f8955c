using Simplestack.Core;

namespace Simplestack.Core.Tests;

public sealed class CoreContractTests
{
    [Fact]
    public void Credentials_never_print_their_password()
    {
        var credentials = new HypervisorCredentials("root", "s3cr3t:with:colons");
        Assert.Equal("s3cr3t:with:colons", credentials.Password);
        Assert.DoesNotContain("s3cr3t", credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", $"{credentials}", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost", null, true)]
    [InlineData("127.0.0.1", null, true)]
    [InlineData("::1", null, true)]
    [InlineData("localhost", 16509, false)]
    [InlineData("10.0.0.1", null, false)]
    public void Local_targets_are_the_local_sockets_only(string host, int? port, bool local)
        => Assert.Equal(local, new HypervisorTarget("kvm", host, port).IsLocal);

    [Fact]
    public void Require_returns_the_capability_or_a_501_naming_it()
    {
        IHypervisorConnection connection = new BareConnection();
        var error = Assert.Throws<FeatureNotImplementedException>(() => connection.Require<ISnapshotManagement>());
        Assert.Equal(ErrorKind.FeatureNotImplemented, error.Kind);
        Assert.Contains("snapshot management", error.Message, StringComparison.Ordinal);
        Assert.Contains("bare", error.Message, StringComparison.Ordinal);
        Assert.Same(connection, connection.Require<IHypervisorConnection>());
    }

    [Fact]
    public void Capability_names_read_as_words()
    {
        Assert.Equal("network interface management", ConnectionCapabilities.Describe(typeof(INetworkInterfaceManagement)));
        Assert.Equal("guest power", ConnectionCapabilities.Describe(typeof(IGuestPower)));
    }

    [Fact]
    public async Task A_placeholder_driver_answers_its_error_kind_on_connect()
    {
        var driver = new PlaceholderDriver("hyperv", ErrorKind.FeatureNotAvailable, "Hyper-V is not available.");
        var error = await Assert.ThrowsAsync<SimplestackException>(() => driver.ConnectAsync(new HypervisorTarget("hyperv", "h"), null, CancellationToken.None));
        Assert.Equal(ErrorKind.FeatureNotAvailable, error.Kind);
        Assert.Equal("Hyper-V is not available.", error.Message);
        Assert.Empty(((IHypervisorDriver)driver).Capabilities);
        Assert.Equal("Hyper-V is not available.", ((IHypervisorDriver)driver).UnavailableReason);
        Assert.False(((IHypervisorDriver)driver).IsSharedTarget(new HypervisorTarget("hyperv", "h")));
    }

    [Fact]
    public void Not_found_messages_name_the_kind_and_id()
        => Assert.Equal("guest 'web1' was not found.", EntityNotFoundException.Of("guest", "web1").Message);

    private sealed class BareConnection : IHypervisorConnection
    {
        public HypervisorTarget Target { get; } = new("bare", "h");

        public bool IsAlive => true;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public Task<PoolInfo> GetPoolInfoAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<HostInfo>> ListHostsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<Guest>> ListGuestsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Guest> GetGuestAsync(string guestId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
