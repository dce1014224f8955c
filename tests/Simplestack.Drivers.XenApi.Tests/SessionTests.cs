using Simplestack.Core;

namespace Simplestack.Drivers.XenApi.Tests;

public class SessionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly HypervisorTarget Target = new("xen", "pool.test", 8443);

    internal static XenApiDriver Driver(params FakeXapi[] hosts)
        => new(new XenApiDriverOptions { CallTimeoutSeconds = 5 }, null, (host, _) => hosts.Single(h => h.Host == host));

    internal static async Task<XenApiConnection> ConnectAsync(FakeXapi xapi)
        => (XenApiConnection)await Driver(xapi).ConnectAsync(Target, new HypervisorCredentials("root", "secret"), Ct);

    [Fact]
    public async Task Login_sends_user_password_version_and_originator_and_logout_closes_it()
    {
        var xapi = Canned.Pool();
        var connection = await ConnectAsync(xapi);

        var login = Assert.Single(xapi.Calls);
        Assert.Equal("session.login_with_password", login.Method);
        Assert.Equal("""["root","secret","1.1","simplestack"]""", login.Params.ToJsonString());

        await connection.GetPoolInfoAsync(Ct);
        Assert.All(xapi.Calls.Skip(1), call => Assert.Equal(FakeXapi.Session, call.Params[0]!.GetValue<string>()));

        await connection.DisposeAsync();
        Assert.Equal("session.logout", xapi.Calls[^1].Method);
        Assert.Equal(FakeXapi.Session, xapi.Calls[^1].Params[0]!.GetValue<string>());
        Assert.False(connection.IsAlive);
    }

    [Fact]
    public async Task Wrong_credentials_are_401_without_the_password()
    {
        var error = await Assert.ThrowsAsync<UnauthorizedException>(() =>
            Driver(new FakeXapi()).ConnectAsync(Target, new HypervisorCredentials("root", "hunter2-wrong"), Ct));

        Assert.Equal(ErrorKind.Unauthorized, error.Kind);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_credentials_is_401_before_any_call()
    {
        var xapi = new FakeXapi();
        await Assert.ThrowsAsync<UnauthorizedException>(() => Driver(xapi).ConnectAsync(Target, null, Ct));
        Assert.Empty(xapi.Calls);
        Assert.True(Driver(xapi).RequiresCredentials(new HypervisorTarget("xen", "localhost")));
    }

    [Fact]
    public async Task An_invalid_session_is_made_again_once_and_the_call_retried()
    {
        var xapi = Canned.Pool();
        var logins = 0;
        xapi.On("session.login_with_password", _ => FakeXapi.Result($"\"OpaqueRef:session-{++logins}\""));
        xapi.On("VM.get_all_records", p => p[0]!.GetValue<string>() == "OpaqueRef:session-1"
            ? FakeXapi.Error("SESSION_INVALID", "OpaqueRef:session-1")
            : FakeXapi.Result(Canned.AllVms));
        await using var connection = await ConnectAsync(xapi);

        var guests = await connection.ListGuestsAsync(Ct);

        Assert.Equal(2, guests.Count);
        Assert.Equal(2, connection.Logins);
        Assert.Equal(2, xapi.Methods.Count(m => m == "session.login_with_password"));
    }

    [Fact]
    public async Task A_session_that_stays_invalid_fails_after_one_retry()
    {
        var xapi = Canned.Pool().On("VM.get_all_records", _ => FakeXapi.Error("SESSION_INVALID", "OpaqueRef:x"));
        await using var connection = await ConnectAsync(xapi);

        var error = await Assert.ThrowsAsync<HypervisorErrorException>(() => connection.ListGuestsAsync(Ct));

        Assert.Contains("SESSION_INVALID", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("OpaqueRef", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, xapi.Methods.Count(m => m == "VM.get_all_records"));
    }

    [Fact]
    public async Task A_member_host_is_left_for_the_master_it_names_on_the_same_port()
    {
        var member = new FakeXapi("pool.test").On("session.login_with_password", _ => FakeXapi.Error("HOST_IS_SLAVE", "192.0.2.1"));
        var master = Canned.Pool(new FakeXapi("192.0.2.1"));

        await using var connection = (XenApiConnection)await Driver(member, master).ConnectAsync(Target, new HypervisorCredentials("root", "secret"), Ct);

        Assert.Equal("https://192.0.2.1:8443/jsonrpc", connection.Endpoint.ToString());
        Assert.Single(master.Calls, c => c.Method == "session.login_with_password");
        await connection.ListHostsAsync(Ct);
        Assert.DoesNotContain(member.Calls, c => c.Method != "session.login_with_password");
    }

    [Fact]
    public async Task A_master_that_also_says_slave_is_not_followed_again()
    {
        var member = new FakeXapi("pool.test").On("session.login_with_password", _ => FakeXapi.Error("HOST_IS_SLAVE", "192.0.2.1"));
        var other = new FakeXapi("192.0.2.1").On("session.login_with_password", _ => FakeXapi.Error("HOST_IS_SLAVE", "pool.test"));

        await Assert.ThrowsAsync<HypervisorErrorException>(() => Driver(member, other).ConnectAsync(Target, new HypervisorCredentials("root", "secret"), Ct));
        Assert.Single(member.Calls);
        Assert.Single(other.Calls);
    }

    [Fact]
    public void The_driver_declares_its_capabilities_by_its_connection_type()
    {
        IHypervisorDriver driver = Driver();
        Assert.Equal(["storages", "volumes", "images", "guest_list_tags", "guests", "power", "clone", "export_import", "disks", "media", "network_interfaces", "console", "tags", "snapshots", "networks", "events", "idempotency_keys"], driver.Capabilities.Select(c => c.Name));
        Assert.NotEmpty(driver.Notes);
    }
}
