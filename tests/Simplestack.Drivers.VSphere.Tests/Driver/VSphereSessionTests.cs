using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;
using static Simplestack.Drivers.VSphere.Tests.Vcsim.VimSoap;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>
/// The driver's session against vcsim: one Login per connection, Logout on dispose, a wrong
/// password 401 naming no credential, a terminated session made again once, and certificates
/// trusted only when pinned. Sessions are counted by a second client of the tests' own
/// (<see cref="VimSoap"/>) from SessionManager.sessionList.
/// </summary>
public sealed class VSphereSessionTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connection_is_one_session_and_disposing_it_logs_out()
    {
        using var admin = await AdminAsync();
        var before = await SessionKeysAsync(admin);

        var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        await connection.ListGuestsAsync(Ct);
        await connection.GetPoolInfoAsync(Ct);
        Assert.Single((await SessionKeysAsync(admin)).Except(before));
        Assert.Equal(1, connection.Logins);

        await connection.DisposeAsync();
        Assert.Empty((await SessionKeysAsync(admin)).Except(before));
    }

    [Fact]
    public async Task A_wrong_password_is_401_and_the_answer_names_no_credential()
    {
        using var admin = await AdminAsync();
        var before = await SessionKeysAsync(admin);

        var error = await Assert.ThrowsAsync<UnauthorizedException>(() => VcsimConnection.OpenAsync(vpx.Vcsim, password: "Wr0ng-s3cret", Ct));

        Assert.Equal(ErrorKind.Unauthorized, error.Kind);
        Assert.Contains("InvalidLogin", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Wr0ng-s3cret", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("vmware_soap_session", error.ToString(), StringComparison.Ordinal);
        Assert.Empty((await SessionKeysAsync(admin)).Except(before));
    }

    [Fact]
    public async Task A_session_terminated_by_another_client_is_made_again_once_and_the_call_succeeds()
    {
        using var admin = await AdminAsync();
        var before = await SessionKeysAsync(admin);
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var mine = Assert.Single((await SessionKeysAsync(admin)).Except(before));

        await admin.InvokeAsync(Method("TerminateSession", Ref("_this", (await admin.ServiceContentAsync(Ct)).Element(Vim + "sessionManager")!),
            new XElement(Vim + "sessionId", mine)), Ct);
        Assert.DoesNotContain(mine, await SessionKeysAsync(admin));

        var guests = await connection.ListGuestsAsync(Ct);

        Assert.Equal(4, guests.Count);
        Assert.Equal(2, connection.Logins);
        var now = Assert.Single((await SessionKeysAsync(admin)).Except(before));
        Assert.NotEqual(mine, now);
    }

    [Fact]
    public async Task An_unpinned_self_signed_certificate_is_refused_with_503_before_any_login()
    {
        using var admin = await AdminAsync();
        var before = await SessionKeysAsync(admin);
        var driver = new VSphereDriver(new VSphereDriverOptions()); // system CAs only: vcsim's certificate is its own

        var error = await Assert.ThrowsAsync<HypervisorUnavailableException>(() =>
            driver.ConnectAsync(VcsimConnection.Target(vpx.Vcsim), new HypervisorCredentials(vpx.Vcsim.User, vpx.Vcsim.Password), Ct));

        Assert.Contains("certificate", error.Message, StringComparison.Ordinal);
        Assert.Empty((await SessionKeysAsync(admin)).Except(before));
    }

    [Fact]
    public async Task A_pin_of_another_certificate_is_refused()
    {
        var options = new VSphereDriverOptions();
        options.CertificatePins[$"127.0.0.1:{vpx.Vcsim.Port}"] = new string('A', 64);

        await Assert.ThrowsAsync<HypervisorUnavailableException>(() => new VSphereDriver(options)
            .ConnectAsync(VcsimConnection.Target(vpx.Vcsim), new HypervisorCredentials(vpx.Vcsim.User, vpx.Vcsim.Password), Ct));
    }

    [Theory]
    [InlineData("ro0t\0", "simplestack")]
    [InlineData("root", "pa55\0word")]
    public async Task Credentials_a_login_cannot_carry_are_401_and_open_no_session(string user, string password)
    {
        using var admin = await AdminAsync();
        var before = await SessionKeysAsync(admin);

        var error = await Assert.ThrowsAsync<UnauthorizedException>(() => VcsimConnection.Driver(vpx.Vcsim)
            .ConnectAsync(VcsimConnection.Target(vpx.Vcsim), new HypervisorCredentials(user, password), Ct));

        Assert.DoesNotContain("pa55", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ro0t", error.Message, StringComparison.Ordinal);
        Assert.Empty((await SessionKeysAsync(admin)).Except(before));
    }

    [Fact]
    public async Task Missing_credentials_are_401_before_any_traffic()
        => await Assert.ThrowsAsync<UnauthorizedException>(() => VcsimConnection.Driver(vpx.Vcsim).ConnectAsync(VcsimConnection.Target(vpx.Vcsim), null, Ct));

    private async Task<VimSoap> AdminAsync()
    {
        var soap = new VimSoap(vpx.Vcsim);
        var (status, _) = await soap.LoginAsync(await soap.ServiceContentAsync(Ct), vpx.Vcsim.User, vpx.Vcsim.Password, Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        return soap;
    }

    /// <summary>The keys of every session vcsim holds (SessionManager.sessionList), the admin's own included.</summary>
    private static async Task<IReadOnlyList<string>> SessionKeysAsync(VimSoap admin)
    {
        var content = await admin.ServiceContentAsync(Ct);
        var answer = await admin.InvokeAsync(Method("RetrievePropertiesEx", Ref("_this", content.Element(Vim + "propertyCollector")!),
            new XElement(Vim + "specSet",
                new XElement(Vim + "propSet", new XElement(Vim + "type", "SessionManager"), new XElement(Vim + "pathSet", "sessionList")),
                new XElement(Vim + "objectSet", Ref("obj", content.Element(Vim + "sessionManager")!))),
            new XElement(Vim + "options")), Ct);
        return [.. answer.Descendants(Vim + "key").Select(k => k.Value)];
    }
}
