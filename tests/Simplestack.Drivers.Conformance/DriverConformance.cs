using Simplestack.Core;

namespace Simplestack.Drivers.Conformance;

/// <summary>
/// The driver conformance suite, as the original Simplestack's HypervisorBaseTest: one abstract
/// class derived once per driver. Every test opens its own connection, acts through the driver,
/// and checks the hypervisor's resulting state through an <see cref="IHypervisorProbe"/>.
/// A capability the driver's connection does not implement is not skipped: its tests assert the
/// 501 answer instead (<see cref="WhenSupported{T}"/>). Operations a hypervisor cannot do at run
/// time (the test driver's hot-plug, LXC's vCPU changes) are asserted to answer 501
/// FeatureNotAvailable and to leave nothing behind, as the derived class declares.
/// </summary>
public abstract partial class DriverConformance : IAsyncLifetime
{
    private IHypervisorConnection? _connection;

    protected IHypervisorConnection Connection => _connection ?? throw new InvalidOperationException("not initialised");

    protected IHypervisorProbe Probe { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The driver under test (its declared capabilities are checked against its connection).</summary>
    protected abstract IHypervisorDriver Driver { get; }

    protected abstract Task<IHypervisorConnection> ConnectAsync();

    protected abstract IHypervisorProbe CreateProbe(IHypervisorConnection connection);

    /// <summary>A create body that works on this driver, with one disk of <paramref name="diskGiB"/> where guests have disks.</summary>
    protected abstract GuestCreateRequest NewGuest(string name, bool start = false, double diskGiB = 1);

    /// <summary>A network guests of this hypervisor can use.</summary>
    protected abstract string ExistingNetwork { get; }

    /// <summary>A storage pool new volumes can go to.</summary>
    protected abstract string ExistingPool { get; }

    /// <summary>An image the driver lists and guests can be created from (where it has images).</summary>
    protected abstract string ExistingImage { get; }

    /// <summary>The switch a VLAN network is made on (<c>from_network</c>).</summary>
    protected abstract string VlanSwitch { get; }

    /// <summary>
    /// The API id of a guest's disk number <paramref name="number"/> (0 the first): libvirt's device
    /// target (<c>vda</c>, <c>vdb</c>); Xen's VBD userdevice (<c>0</c>, <c>1</c>).
    /// </summary>
    protected virtual string DiskId(int number) => $"vd{(char)('a' + number)}";

    /// <summary>Whether two connections reach one hypervisor (libvirt's test driver gives each connection a fresh one).</summary>
    protected virtual bool ConnectionsShareOneHypervisor => true;

    /// <summary>Whether the hypervisor can add devices to a running guest.</summary>
    protected abstract bool SupportsHotPlug { get; }

    /// <summary>Whether the hypervisor can change a guest's virtual CPUs (else 501 FeatureNotAvailable).</summary>
    protected virtual bool SupportsCpuChange => true;

    /// <summary>Whether the hypervisor can rename a guest (else 501 FeatureNotAvailable).</summary>
    protected virtual bool SupportsRename => true;

    /// <summary>Whether the hypervisor can reset a guest (a forced reboot; else 501 FeatureNotAvailable).</summary>
    protected virtual bool SupportsForcedReboot => true;

    /// <summary>Whether the hypervisor can ask a running guest to reboot (a reboot without force; else 501 FeatureNotAvailable).</summary>
    protected virtual bool SupportsGuestReboot => true;

    /// <summary>
    /// Whether the snapshot a guest was just reverted to (the current one, with a child) can be
    /// deleted; a known limit of a simulator, not of the API: the suite then deletes the other snapshot.
    /// </summary>
    protected virtual bool DeletesTheSnapshotRevertedTo => true;

    /// <summary>Whether a NIC can have a rate limit of its own (vSphere's standard vSwitches shape traffic per port group only: 501 FeatureNotAvailable).</summary>
    protected virtual bool SupportsNicRateLimit => true;

    /// <summary>Whether a network keeps a description and other_config (vSphere's port groups have neither: a create with them is 501 FeatureNotAvailable).</summary>
    protected virtual bool NetworksKeepDescriptions => true;

    /// <summary>Whether a started <see cref="BootableGuest"/> stops when asked (<c>stop</c>, not <c>force_stop</c>); else the wait answers 504.</summary>
    protected virtual bool StopsWhenAsked => true;

    /// <summary>A create body for a guest with an operating system that answers a shutdown request (real hypervisors boot one).</summary>
    protected virtual GuestCreateRequest BootableGuest(string name) => NewGuest(name);

    /// <summary>
    /// The memory (MiB) a started <see cref="BootableGuest"/> is set to live: below what it was
    /// created with, within what the hypervisor lets a running guest have (Xen: its static range).
    /// </summary>
    protected virtual long LiveMemoryMiB => 96;

    /// <summary>Waits until a started bootable guest's OS is up (a real hypervisor's guest needs seconds).</summary>
    protected virtual Task WaitUntilGuestOsReadyAsync(Guest guest) => Task.CompletedTask;

    /// <summary>Whether this driver's guests have disks (volumes made for them at create).</summary>
    protected bool GuestsHaveDisks => Connection is IDiskManagement;

    public async ValueTask InitializeAsync()
    {
        _connection = await ConnectAsync();
        Probe = CreateProbe(_connection);
    }

    /// <summary>
    /// Runs <paramref name="test"/> when the connection implements capability <typeparamref name="T"/>;
    /// otherwise asserts the 501 a caller gets instead, so the test still says what the driver does.
    /// </summary>
    protected async Task WhenSupported<T>(Func<T, Task> test)
        where T : class
    {
        if (Connection is T capability)
        {
            await test(capability);
            return;
        }

        var error = Assert.Throws<FeatureNotImplementedException>(() => Connection.Require<T>());
        Assert.Equal(ErrorKind.FeatureNotImplemented, error.Kind);
        Assert.DoesNotContain(Driver.Capabilities, c => c.Interface == typeof(T));
    }

    /// <summary>Asserts that <paramref name="call"/> answers 501 FeatureNotAvailable: this hypervisor cannot do it.</summary>
    protected static async Task AssertNotAvailableAsync(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<FeatureNotAvailableException>(call);
        Assert.Equal(ErrorKind.FeatureNotAvailable, error.Kind);
    }

    // ---- clean-up: what a test makes is removed when it ends, failed or not ----

    private readonly HashSet<string> _guests = [];
    private readonly HashSet<string> _networks = [];
    private readonly HashSet<string> _volumePaths = [];

    /// <summary>A fresh guest name; guests with it are deleted when the test ends (real hypervisors keep state).</summary>
    protected string Unique(string prefix)
    {
        var name = UniqueName(prefix);
        _guests.Add(name);
        return name;
    }

    /// <summary>A guest name chosen by the test, deleted when the test ends.</summary>
    protected string Remember(string guestName)
    {
        _guests.Add(guestName);
        return guestName;
    }

    /// <summary>A fresh network name; the network is deleted when the test ends.</summary>
    protected string UniqueNetwork(string prefix)
    {
        var name = UniqueName(prefix);
        _networks.Add(name);
        return name;
    }

    /// <summary>A volume path the test made or kept; the volume is deleted when the test ends.</summary>
    protected void RememberVolume(string path) => _volumePaths.Add(path);

    protected static string UniqueName(string prefix) => $"ss-{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    /// <summary>Deletes the guests, networks and volumes this test made, then closes the connection.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_connection is null)
        {
            return;
        }

        try
        {
            if (_connection is IGuestManagement guests)
            {
                foreach (var name in _guests)
                {
                    await IgnoreMissingAsync(() => guests.DeleteGuestAsync(name, new GuestDeleteOptions(), CancellationToken.None));
                }
            }

            if (_connection is INetworkManagement networks)
            {
                foreach (var name in _networks)
                {
                    await IgnoreMissingAsync(() => networks.DeleteNetworkAsync(name, CancellationToken.None));
                }
            }

            foreach (var path in _volumePaths)
            {
                Probe.DeleteVolume(path);
            }
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }

    private static async Task IgnoreMissingAsync(Func<Task> delete)
    {
        try
        {
            await delete();
        }
        catch (EntityNotFoundException)
        {
            // Never made, or already deleted by the test.
        }
    }

    // ---- capabilities, pool, hosts, storages ----

    [Fact]
    public void Capabilities_are_what_the_connection_implements_and_the_rest_answers_501()
    {
        Assert.IsAssignableFrom(Driver.ConnectionType, Connection);
        foreach (var capability in Capability.All.Select(c => c.Interface))
        {
            var implemented = capability.IsInstanceOfType(Connection);
            Assert.True(implemented == Driver.Capabilities.Any(c => c.Interface == capability), $"{capability.Name}: the connection {(implemented ? "implements" : "lacks")} it, the driver's list says otherwise.");
            if (!implemented)
            {
                var require = typeof(ConnectionCapabilities).GetMethod(nameof(ConnectionCapabilities.Require))!.MakeGenericMethod(capability);
                var error = Assert.Throws<System.Reflection.TargetInvocationException>(() => require.Invoke(null, [Connection]));
                Assert.Equal(ErrorKind.FeatureNotImplemented, Assert.IsType<FeatureNotImplementedException>(error.InnerException).Kind);
            }
        }
    }

    [Fact]
    public async Task Pool_info_reports_memory_and_software()
    {
        var pool = await Connection.GetPoolInfoAsync(Ct);
        Assert.True(pool.TotalMemory > 0);
        Assert.InRange(pool.UsedMemory, 0, pool.TotalMemory);
        Assert.False(string.IsNullOrEmpty(pool.SoftwareInfo.Version));
        Assert.False(string.IsNullOrEmpty(pool.Master));
    }

    [Fact]
    public async Task A_call_on_a_connection_closed_under_it_answers_hypervisor_unavailable()
    {
        // The gateway's pool closes a connection it finds dead while other requests still hold it;
        // their next call must be a 503, not an unforeseen error (CI once saw a 500 when libvirtd
        // was killed under load).
        var closed = await ConnectAsync();
        await closed.DisposeAsync();

        var pool = await Assert.ThrowsAnyAsync<SimplestackException>(() => closed.GetPoolInfoAsync(Ct));
        Assert.Equal(ErrorKind.HypervisorUnavailable, pool.Kind);
        var hosts = await Assert.ThrowsAnyAsync<SimplestackException>(() => closed.ListHostsAsync(Ct));
        Assert.Equal(ErrorKind.HypervisorUnavailable, hosts.Kind);
    }

    [Fact]
    public async Task Hosts_list_has_the_host_and_get_finds_it()
    {
        // A libvirt target is one host; a Xen pool has several.
        var hosts = await Connection.ListHostsAsync(Ct);
        Assert.NotEmpty(hosts);
        var host = hosts[0];
        Assert.True(host.Cpus > 0);
        Assert.Equal(host, await Connection.GetHostAsync(host.Id, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.GetHostAsync("no-such-host", Ct));
    }

    [Fact]
    public Task Storages_are_listed_and_found_by_id_and_name() => WhenSupported<IStorageManagement>(async storage =>
    {
        var pools = await storage.ListStoragesAsync(Ct);
        Assert.NotEmpty(pools);
        var first = pools[0];
        Assert.Equal(first.Name, (await storage.GetStorageAsync(first.Id, Ct)).Name);
        Assert.Equal(first.Id, (await storage.GetStorageAsync(first.Name, Ct)).Id);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => storage.GetStorageAsync("no-such-pool", Ct));
    });
}
