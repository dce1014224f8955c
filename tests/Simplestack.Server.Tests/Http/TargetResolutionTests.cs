using System.Net;
using System.Text;

namespace Simplestack.Server.Tests.Http;

public class TargetResolutionTests(GatewayFactory factory) : HttpTestBase(factory)
{
    private static string Token(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private async Task<HttpResponseMessage> GetWithTokenAsync(string url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("x-simplestack-hypervisor-token", token);
        return await Client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Unknown_hypervisor_is_404_naming_it()
    {
        var error = await (await Client.GetAsync("/nope/x/guests", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        Assert.Contains("nope", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_hypervisor_is_checked_before_the_host()
        => await (await Client.GetAsync("/nope/bad_host/guests", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");

    [Theory]
    [InlineData("/test/bad_host/guests")]
    [InlineData("/kvm/host:99999/guests")]
    [InlineData("/kvm/user@host/guests")]
    [InlineData("/kvm/256.1.1.1/guests")]
    public async Task Unparsable_host_is_400(string url)
        => await (await Client.GetAsync(url, Ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Theory]
    [InlineData("/kvm/10.0.0.1/guests")]
    [InlineData("/qemu/10.0.0.1/guests")]
    [InlineData("/kvm/localhost:16509/guests")]
    [InlineData("/kvm/[::1]:16509/guests")]
    [InlineData("/kvm/lab.example/guests")]
    [InlineData("/lxc/10.0.0.1")]
    [InlineData("/test/localhost/guests")]
    [InlineData("/xen/10.0.0.2/guests")]
    public async Task A_target_not_allowed_is_403_and_no_connection_is_attempted(string url)
    {
        // Counted as connects begun, not pooled entries: a previous test's failed connect may
        // leave the pool a moment after its answer.
        var before = Factory.Pool.ConnectsStarted;
        await (await Client.GetAsync(url, Ct)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "TargetNotAllowed");
        Assert.Equal(before, Factory.Pool.ConnectsStarted);
        Assert.DoesNotContain(Factory.Pool.OpenConnections, c => c.Target.Hypervisor != "test");
    }

    [Fact]
    public async Task Kvm_10_0_0_1_is_403_and_the_pool_has_no_connection_for_it()
    {
        await (await Client.GetAsync("/kvm/10.0.0.1/guests", Ct)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "TargetNotAllowed");
        Assert.DoesNotContain(Factory.Pool.OpenConnections, c => c.Target.Hypervisor == "kvm");
    }

    [Fact]
    public async Task The_allow_list_is_checked_before_the_token()
        => await (await GetWithTokenAsync("/kvm/10.0.0.1/guests", "!!!")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "TargetNotAllowed");

    [Fact]
    public async Task Xen_allowed_by_configuration_needs_a_token_before_any_connection()
    {
        var before = Factory.Pool.ConnectsStarted;
        await (await Client.GetAsync("/xen/127.0.0.1:1/guests", Ct)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "Unauthorized");
        Assert.Equal(before, Factory.Pool.ConnectsStarted);
    }

    [Fact]
    public async Task Xen_pool_that_does_not_answer_is_503()
    {
        var error = await (await GetWithTokenAsync("/xen/127.0.0.1:1/guests", Token("root:secret"))).ShouldBeErrorAsync(HttpStatusCode.ServiceUnavailable, "HypervisorUnavailable");
        Assert.Contains("127.0.0.1:1", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Factory.Pool.OpenConnections, c => c.Target.Hypervisor == "xen");
    }

    [Fact]
    public async Task Vmware_host_that_does_not_answer_is_503()
    {
        var error = await (await GetWithTokenAsync("/vmware/127.0.0.1:1/guests", Token("root:secret"))).ShouldBeErrorAsync(HttpStatusCode.ServiceUnavailable, "HypervisorUnavailable");
        Assert.Contains("127.0.0.1:1", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(Factory.Pool.OpenConnections, c => c.Target.Hypervisor == "vmware");
    }

    [Fact]
    public async Task Vmware_host_other_than_the_allowed_loopback_one_is_403()
        => await (await GetWithTokenAsync("/vmware/vcenter.example/guests", Token("root:secret"))).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "TargetNotAllowed");

    [Fact]
    public async Task Hyperv_is_501_not_available()
    {
        var error = await (await Client.GetAsync("/hyperv/host1.example/guests/x/snapshots", Ct))
            .ShouldBeErrorAsync(HttpStatusCode.NotImplemented, "FeatureNotAvailable");
        Assert.Contains("Hyper-V", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_target_without_a_token_is_401_before_any_connection()
    {
        await (await Client.GetAsync("/kvm/kvm1.lab.example/guests", Ct)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "Unauthorized");
        Assert.DoesNotContain(Factory.Pool.OpenConnections, c => c.Target.Hypervisor == "kvm");
    }

    [Theory]
    [InlineData("!!!")]
    [InlineData("bm9jb2xvbg==")] // "nocolon"
    public async Task A_malformed_token_is_400(string token)
        => await (await GetWithTokenAsync("/kvm/kvm1.lab.example/guests", token)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task A_malformed_token_is_400_even_where_none_is_needed()
        => await (await GetWithTokenAsync($"{Base}/guests", "%%%")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task The_test_hypervisor_needs_no_token_and_accepts_one()
    {
        await (await Client.GetAsync($"{Base}/guests", Ct)).ShouldBeAsync(HttpStatusCode.OK);
        var response = await GetWithTokenAsync($"{Base}/guests", Token("anyone:S3cr3t-Pa55"));
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.DoesNotContain("S3cr3t-Pa55", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Shared target: one connection whatever the credentials.
        Assert.Single(Factory.Pool.OpenConnections, c => c.Target.Hypervisor == "test");
    }

    [Theory]
    [InlineData("/test/default/guests/no-such-guest")]
    [InlineData("/kvm/10.0.0.1/guests")]
    [InlineData("/xen/127.0.0.1:1/guests")]
    [InlineData("/hyperv/h.example/guests")]
    [InlineData("/nope/x")]
    public async Task An_answer_never_echoes_the_password(string url)
    {
        const string password = "Tr0ub4dor&3-horse";
        var response = await GetWithTokenAsync(url, Token("root:" + password));
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(password, body, StringComparison.Ordinal);
        Assert.DoesNotContain(Token("root:" + password), body, StringComparison.Ordinal);
        Assert.DoesNotContain(password, response.Headers.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_alias_qemu_reaches_the_kvm_driver()
    {
        var error = await (await Client.GetAsync("/qemu/kvm1.lab.example/guests", Ct)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "Unauthorized");
        Assert.Contains("kvm/kvm1.lab.example", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_answers_ok_without_a_hypervisor()
    {
        var response = await Client.GetAsync("/healthz", Ct);
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync(Ct));
    }
}
