using System.Diagnostics;
using System.Net;
using Simplestack.Core;

namespace Simplestack.Server.Tests.Http;

/// <summary><c>GET .../guests/{id}?wait_for=ip&amp;timeout=SECONDS</c> through HTTP (the test hypervisor reports an address for its own test domain only).</summary>
public class WaitForIpTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task No_address_within_the_timeout_is_504()
    {
        var guest = await CreateGuestAsync(start: true);
        var clock = Stopwatch.StartNew();
        await (await Client.GetAsync($"{Base}/guests/{guest.Id}?wait_for=ip&timeout=0.6", Ct)).ShouldBeErrorAsync(HttpStatusCode.GatewayTimeout, "HypervisorTimeout");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_guest_with_an_address_is_answered_at_once()
    {
        // The test hypervisor's own "test" domain reports 192.168.122.3.
        var guest = await Client.GetAsync<Guest>($"{Base}/guests/test?wait_for=ip&timeout=0");
        Assert.Equal("test", guest.Name);
        Assert.False(string.IsNullOrEmpty(guest.Ip));
        guest = await Client.GetAsync<Guest>($"{Base}/guests/test?wait_for=ip");
        Assert.False(string.IsNullOrEmpty(guest.Ip));
    }

    [Fact]
    public async Task A_zero_timeout_reads_once()
    {
        var guest = await CreateGuestAsync(start: true);
        await (await Client.GetAsync($"{Base}/guests/{guest.Name}?wait_for=ip&timeout=0", Ct)).ShouldBeErrorAsync(HttpStatusCode.GatewayTimeout, "HypervisorTimeout");
    }

    [Theory]
    [InlineData("wait_for=state")]
    [InlineData("wait_for=")]
    [InlineData("wait_for=ip&timeout=-1")]
    [InlineData("wait_for=ip&timeout=301")]
    [InlineData("wait_for=ip&timeout=NaN")]
    [InlineData("wait_for=ip&timeout=soon")]
    [InlineData("timeout=5")]
    public async Task Bad_values_are_400(string query)
        => await (await Client.GetAsync($"{Base}/guests/test?{query}", Ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task An_unknown_guest_is_404_at_once()
        => await (await Client.GetAsync($"{Base}/guests/no-such-guest?wait_for=ip&timeout=30", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");

    [Fact]
    public async Task Without_wait_for_the_guest_is_answered_as_before()
        => Assert.Equal("test", (await Client.GetAsync<Guest>($"{Base}/guests/test?other=1")).Name);
}
