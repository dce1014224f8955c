using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Connections;

namespace Simplestack.Server.Tests.Unit;

public sealed class ConnectionPoolTests : IAsyncDisposable
{
    private static readonly HypervisorTarget Remote = new("kvm", "10.0.0.1");
    private static readonly HypervisorTarget Other = new("kvm", "10.0.0.2");
    private static readonly HypervisorCredentials Root = new("root", "secret");

    private readonly ManualTimeProvider _time = new();
    private ConnectionPool _pool;

    public ConnectionPoolTests() => _pool = CreatePool();

    private ConnectionPool CreatePool(int max = 64, TimeSpan? connectTimeout = null)
    {
        var options = new ConnectionPoolOptions
        {
            IdleTimeout = TimeSpan.FromMinutes(5),
            MaxConnections = max,
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(30),
        };
        return new ConnectionPool(Options.Create(options), NullLogger<ConnectionPool>.Instance, _time);
    }

    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<IHypervisorConnection> UseOnceAsync(FakeDriver driver, HypervisorTarget target, HypervisorCredentials? credentials = null)
    {
        await using var lease = await _pool.AcquireAsync(driver, target, credentials ?? Root, Token);
        return lease.Connection;
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10, Token);
        }

        Assert.True(condition());
    }

    [Fact]
    public async Task The_synchronous_path_leases_only_an_open_live_connection_of_the_same_key()
    {
        var driver = new FakeDriver();
        Assert.Null(_pool.TryAcquireOpen(driver, Remote, Root)); // nothing open: the caller takes the asynchronous path

        var opened = await UseOnceAsync(driver, Remote);
        using (var lease = _pool.TryAcquireOpen(driver, Remote, Root))
        {
            Assert.NotNull(lease);
            Assert.Same(opened, lease.Connection);
            Assert.Equal(1, _pool.Leased);
        }

        Assert.Equal(0, _pool.Leased);
        Assert.Null(_pool.TryAcquireOpen(driver, Remote, new HypervisorCredentials("root", "other"))); // another password, another key
        Assert.Null(_pool.TryAcquireOpen(driver, Other, Root));

        ((FakeConnection)opened).IsAlive = false;
        Assert.Null(_pool.TryAcquireOpen(driver, Remote, Root)); // dead: the asynchronous path replaces it
        Assert.NotSame(opened, await UseOnceAsync(driver, Remote));
        Assert.Equal(1, driver.Connects - 1);
    }

    [Fact]
    public async Task Concurrent_first_requests_open_one_connection()
    {
        var driver = new FakeDriver { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var acquiring = Enumerable.Range(0, 32).Select(_ => Task.Run(() => _pool.AcquireAsync(driver, Remote, Root, Token), Token)).ToList();
        await EventuallyAsync(() => driver.Connects == 1);
        driver.Gate.SetResult();
        var leases = await Task.WhenAll(acquiring);

        Assert.Equal(1, driver.Connects);
        Assert.Single(leases.Select(l => l.Connection).Distinct());
        Assert.Equal(1, _pool.Count);
        foreach (var lease in leases)
        {
            await lease.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_connection_is_reused_across_requests()
    {
        var driver = new FakeDriver();
        var first = await UseOnceAsync(driver, Remote);
        var second = await UseOnceAsync(driver, Remote);
        Assert.Same(first, second);
        Assert.Equal(1, driver.Connects);
    }

    [Fact]
    public async Task Different_credentials_or_targets_get_different_connections()
    {
        var driver = new FakeDriver();
        var root = await UseOnceAsync(driver, Remote, Root);
        var otherPassword = await UseOnceAsync(driver, Remote, new HypervisorCredentials("root", "other"));
        var otherUser = await UseOnceAsync(driver, Remote, new HypervisorCredentials("admin", "secret"));
        var otherHost = await UseOnceAsync(driver, Other, Root);
        var otherPort = await UseOnceAsync(driver, Remote with { Port = 16509 }, Root);
        Assert.Equal(5, new[] { root, otherPassword, otherUser, otherHost, otherPort }.Distinct().Count());
        Assert.Equal(5, _pool.Count);
    }

    [Fact]
    public async Task A_dead_connection_is_disposed_and_replaced_on_the_next_request()
    {
        var driver = new FakeDriver();
        var first = (FakeConnection)await UseOnceAsync(driver, Remote);
        first.IsAlive = false;

        var second = await UseOnceAsync(driver, Remote);

        Assert.NotSame(first, second);
        Assert.True(first.Disposed);
        Assert.True(second.IsAlive);
        Assert.Equal(2, driver.Connects);
        Assert.Equal(1, _pool.Count);
    }

    [Fact]
    public async Task A_failed_connect_is_not_cached()
    {
        var driver = new FakeDriver { FailNext = 1 };
        var error = await Assert.ThrowsAsync<HypervisorUnavailableException>(() => UseOnceAsync(driver, Remote));
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
        await EventuallyAsync(() => _pool.Count == 0);

        var connection = await UseOnceAsync(driver, Remote);
        Assert.True(connection.IsAlive);
        Assert.Equal(2, driver.Connects);
        Assert.Equal(2, _pool.ConnectsStarted);
    }

    [Fact]
    public async Task A_cancelled_request_does_not_cancel_the_shared_connect()
    {
        var driver = new FakeDriver { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var cancelled = new CancellationTokenSource();
        var first = _pool.AcquireAsync(driver, Remote, Root, cancelled.Token);
        var second = _pool.AcquireAsync(driver, Remote, Root, Token);
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

        driver.Gate.SetResult();
        await using var lease = await second;
        Assert.True(lease.Connection.IsAlive);
        Assert.Equal(1, driver.Connects);
    }

    [Fact]
    public async Task A_connect_past_the_timeout_is_504_and_not_cached()
    {
        await _pool.DisposeAsync();
        _pool = CreatePool(connectTimeout: TimeSpan.FromMilliseconds(50));
        var driver = new FakeDriver { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), IgnoreCancellation = true };

        await Assert.ThrowsAsync<HypervisorTimeoutException>(() => UseOnceAsync(driver, Remote));
        await EventuallyAsync(() => _pool.Count == 0);

        // The abandoned connect finishes later: its connection is closed, not leaked.
        driver.Gate.SetResult();
        await EventuallyAsync(() => driver.Opened.Count == 1 && driver.Opened[0].Disposed);
    }

    [Fact]
    public async Task Idle_connections_are_closed_after_the_idle_timeout()
    {
        var driver = new FakeDriver();
        var connection = (FakeConnection)await UseOnceAsync(driver, Remote);

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await _pool.EvictIdleAsync());
        Assert.Equal(1, _pool.Count);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await _pool.EvictIdleAsync());
        Assert.Equal(0, _pool.Count);
        Assert.True(connection.Disposed);
    }

    [Fact]
    public async Task Use_resets_the_idle_clock()
    {
        var driver = new FakeDriver();
        await UseOnceAsync(driver, Remote);
        _time.Advance(TimeSpan.FromMinutes(4));
        await UseOnceAsync(driver, Remote);
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await _pool.EvictIdleAsync());
    }

    [Fact]
    public async Task A_connection_in_use_is_never_closed_for_idleness()
    {
        var driver = new FakeDriver();
        await using var lease = await _pool.AcquireAsync(driver, Remote, Root, Token);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await _pool.EvictIdleAsync());
        Assert.True(lease.Connection.IsAlive);
    }

    [Fact]
    public async Task A_shared_target_is_never_closed_for_idleness_and_is_one_per_process()
    {
        var driver = new FakeDriver(shared: true);
        var target = new HypervisorTarget("test", "default");
        var anonymous = (FakeConnection)await UseOnceAsync(driver, target, null);
        var withToken = await UseOnceAsync(driver, target, new HypervisorCredentials("someone", "x"));
        Assert.Same(anonymous, withToken);

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await _pool.EvictIdleAsync());
        Assert.False(anonymous.Disposed);
        Assert.Equal(1, driver.Connects);
    }

    [Fact]
    public async Task The_sweep_also_closes_dead_connections()
    {
        var driver = new FakeDriver();
        var connection = (FakeConnection)await UseOnceAsync(driver, Remote);
        connection.IsAlive = false;
        Assert.Equal(1, await _pool.EvictIdleAsync());
        Assert.Equal(0, _pool.Count);
    }

    [Fact]
    public async Task Past_the_limit_the_least_recently_used_idle_connection_is_closed()
    {
        await _pool.DisposeAsync();
        _pool = CreatePool(max: 2);
        var driver = new FakeDriver();
        var a = (FakeConnection)await UseOnceAsync(driver, new HypervisorTarget("kvm", "a.example"));
        _time.Advance(TimeSpan.FromSeconds(1));
        var b = (FakeConnection)await UseOnceAsync(driver, new HypervisorTarget("kvm", "b.example"));
        _time.Advance(TimeSpan.FromSeconds(1));
        await UseOnceAsync(driver, new HypervisorTarget("kvm", "a.example"));
        _time.Advance(TimeSpan.FromSeconds(1));

        var c = await UseOnceAsync(driver, new HypervisorTarget("kvm", "c.example"));

        Assert.True(b.Disposed);
        Assert.False(a.Disposed);
        Assert.True(c.IsAlive);
        Assert.Equal(2, _pool.Count);
    }

    [Fact]
    public async Task Past_the_limit_with_every_connection_in_use_is_503()
    {
        await _pool.DisposeAsync();
        _pool = CreatePool(max: 1);
        var driver = new FakeDriver();
        await using var held = await _pool.AcquireAsync(driver, Remote, Root, Token);
        await Assert.ThrowsAsync<HypervisorUnavailableException>(() => UseOnceAsync(driver, Other));
    }

    [Fact]
    public async Task Shutdown_disposes_every_connection()
    {
        var driver = new FakeDriver();
        var a = (FakeConnection)await UseOnceAsync(driver, Remote);
        var b = (FakeConnection)await UseOnceAsync(driver, Other);
        var shared = (FakeConnection)await UseOnceAsync(new FakeDriver(shared: true), new HypervisorTarget("test", "default"));

        await _pool.DisposeAsync();

        Assert.True(a.Disposed && b.Disposed && shared.Disposed);
        Assert.Equal(0, _pool.Count);
        await Assert.ThrowsAsync<HypervisorUnavailableException>(() => UseOnceAsync(driver, Remote));
    }

    [Fact]
    public void The_key_holds_a_hash_of_the_password_never_the_password()
    {
        var key = ConnectionKey.For(Remote, new HypervisorCredentials("root", "hunter2"), shared: false);
        Assert.DoesNotContain("hunter2", key.PasswordSha256, StringComparison.Ordinal);
        Assert.Equal(64, key.PasswordSha256!.Length);
        Assert.DoesNotContain("hunter2", key.ToString(), StringComparison.Ordinal);
        Assert.Equal(key, ConnectionKey.For(Remote, new HypervisorCredentials("root", "hunter2"), shared: false));
    }
}
