using Simplestack.Core;

namespace Simplestack.Core.Tests;

public sealed class CapabilityTests
{
    [Fact]
    public void Every_optional_interface_of_the_contract_is_a_capability_with_its_own_word()
    {
        var optional = typeof(IHypervisorConnection).Assembly.GetExportedTypes()
            .Where(t => t.IsInterface && t != typeof(IHypervisorConnection) && t != typeof(IHypervisorDriver) && t != typeof(IValidatable))
            .ToHashSet();

        Assert.Equal(optional.OrderBy(t => t.Name), Capability.All.Select(c => c.Interface).OrderBy(t => t.Name));
        Assert.Equal(Capability.All.Count, Capability.All.Select(c => c.Name).Distinct().Count());
        Assert.All(Capability.All, c => Assert.Matches("^[a-z_]+$", c.Name));
        Assert.All(Capability.All, c => Assert.False(string.IsNullOrWhiteSpace(c.Routes)));
        Assert.Equal(["storages", "volumes", "images", "guest_list_tags", "guests", "power"], Capability.All.Take(6).Select(c => c.Name));
    }

    [Fact]
    public void A_connection_type_has_exactly_the_capabilities_it_implements_in_route_order()
    {
        Assert.Equal(["guests", "power", "snapshots"], Capability.Of(typeof(SomeConnection)).Select(c => c.Name));
        Assert.Empty(Capability.Of(typeof(IHypervisorConnection)));
        Assert.Equal(["guests", "power", "snapshots"], ((IHypervisorDriver)new SomeDriver()).Capabilities.Select(c => c.Name));
    }

    private sealed class SomeDriver : IHypervisorDriver
    {
        public string Name => "some";

        public Type ConnectionType => typeof(SomeConnection);

        public bool RequiresCredentials(HypervisorTarget target) => false;

        public Task<IHypervisorConnection> ConnectAsync(HypervisorTarget target, HypervisorCredentials? credentials, CancellationToken cancellationToken)
            => throw new NotSupportedException();
    }

    // Declared only: the capability set is read from the type, nothing is called.
    private abstract class SomeConnection : IHypervisorConnection, ISnapshotManagement, IGuestPower, IGuestManagement
    {
        public abstract HypervisorTarget Target { get; }

        public abstract bool IsAlive { get; }

        public abstract Task<PoolInfo> GetPoolInfoAsync(CancellationToken cancellationToken);

        public abstract Task<IReadOnlyList<HostInfo>> ListHostsAsync(CancellationToken cancellationToken);

        public abstract Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken);

        public abstract Task<IReadOnlyList<Guest>> ListGuestsAsync(CancellationToken cancellationToken);

        public abstract Task<Guest> GetGuestAsync(string guestId, CancellationToken cancellationToken);

        public abstract ValueTask DisposeAsync();

        public abstract Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(string guestId, CancellationToken cancellationToken);

        public abstract Task<Snapshot> GetSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken);

        public abstract Task<Snapshot> CreateSnapshotAsync(string guestId, SnapshotCreateRequest request, CancellationToken cancellationToken);

        public abstract Task RevertSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken);

        public abstract Task DeleteSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken);

        public abstract Task SetPowerAsync(string guestId, PowerAction action, TimeSpan? wait, CancellationToken cancellationToken);

        public abstract Task RebootAsync(string guestId, bool force, CancellationToken cancellationToken);

        public abstract Task<Guest> CreateGuestAsync(GuestCreateRequest request, CancellationToken cancellationToken);

        public abstract Task<Guest> UpdateGuestAsync(string guestId, GuestUpdateRequest request, CancellationToken cancellationToken);

        public abstract Task DeleteGuestAsync(string guestId, GuestDeleteOptions options, CancellationToken cancellationToken);
    }
}
