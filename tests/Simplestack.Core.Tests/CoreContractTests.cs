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

    [Theory]
    [InlineData(null, 1)] // the holder's lease is not known: look again soon
    [InlineData(-30.0, 1)] // a lease already past (its gateway died): the next look takes the key
    [InlineData(0.2, 1)]
    [InlineData(2.5, 3)] // what is left of the lease, in whole seconds
    [InlineData(1800.0, 5)] // a 30-minute lease: a retry is a cheap look, so at most 5 s
    public void A_key_at_work_answers_retry_after_what_is_left_of_its_lease_from_1_to_5_seconds(double? leaseLeftSeconds, int expected)
    {
        var now = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        var error = OperationInProgressException.KeyAtWork(leaseLeftSeconds is { } left ? now.AddSeconds(left) : null, now);
        Assert.Equal(TimeSpan.FromSeconds(expected), error.RetryAfter);
        Assert.Equal(ErrorKind.OperationInProgress, error.Kind);
    }

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
