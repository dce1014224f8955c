using System.Diagnostics;
using System.Net;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;

namespace Simplestack.IntegrationTests;

/// <summary>Open vSwitch VLAN networks seen from inside guests and from OVS, and LXC containers.</summary>
public sealed class NetworkAndLxcTests : GatewayOnQemu
{
    [Fact]
    public async Task A_nic_on_a_vlan_network_is_an_ovs_port_with_that_tag_and_passes_traffic_on_that_vlan_only()
    {
        var vlan10 = NewName("v10");
        var vlan20 = NewName("v20");
        foreach (var (network, tag) in new[] { (vlan10, 10), (vlan20, 20) })
        {
            var created = await SendAsync<Network>(HttpMethod.Post, "/kvm/localhost/networks", new { name = network, description = $"VLAN {tag}", from_network = Substrate.OvsBridge, vlan = tag }, HttpStatusCode.Created);
            Assert.Equal(tag, created.Vlan);
        }

        (string Name, string Network, string Ip)[] guests = [(NewName("va"), vlan10, "10.77.0.1"), (NewName("vb"), vlan10, "10.77.0.2"), (NewName("vc"), vlan20, "10.77.0.3")];
        foreach (var (name, network, _) in guests)
        {
            await CreateGuestAsync(new { name, memory = 256, cdrom = Substrate.GuestIsoVolume, network_interfaces = new[] { new { network } }, start = true });
        }

        var consoles = new List<GuestConsole>();
        foreach (var (name, _, ip) in guests)
        {
            var console = await ConsoleWhenReadyAsync(name);
            await console.RunAsync($"ip addr add {ip}/24 dev eth0; ip link set eth0 up");
            consoles.Add(console);
        }

        // Each guest's vnet device is an OVS access port tagged with its network's VLAN.
        foreach (var (name, _, _) in guests)
        {
            using var domain = Native.TryLookupDomainByName(name)!;
            var device = Assert.Single(DomainDescription.Parse(domain.GetXmlDesc()).Interfaces).TargetDevice!;
            Assert.Equal(name == guests[2].Name ? "20" : "10", OvsVsctl("get", "Port", device, "tag"));
        }

        var same = await consoles[0].RunAsync("ping -c 3 -W 2 10.77.0.2 2>&1 | tail -n 2", TimeSpan.FromSeconds(60));
        Assert.Matches(@"3 packets transmitted, [1-3] packets received", same);
        var other = await consoles[0].RunAsync("ping -c 3 -W 2 10.77.0.3 2>&1 | tail -n 2", TimeSpan.FromSeconds(60));
        Assert.Contains("0 packets received", other, StringComparison.Ordinal);

        // Delete: the network goes from libvirt.
        foreach (var (name, _, _) in guests)
        {
            await ExpectAsync(HttpMethod.Delete, Guests($"/{name}"), null, HttpStatusCode.NoContent);
        }

        await ExpectAsync(HttpMethod.Delete, $"/kvm/localhost/networks/{vlan20}", null, HttpStatusCode.NoContent);
        using var gone = Native.TryLookupNetworkByName(vlan20);
        Assert.Null(gone);
    }

    [Fact]
    public async Task An_lxc_container_from_a_root_directory_runs_a_command_pauses_resumes_stops_and_goes()
    {
        var name = NewName("lxc");
        var created = await SendAsync<Guest>(HttpMethod.Post, "/lxc/localhost/guests", new { name, memory = 64, rootfs = LxcRootfs.Path, init = "/bin/sh", start = true }, HttpStatusCode.Created);
        Assert.Equal(GuestState.STARTED, created.State);

        using (var console = new GuestConsole(Substrate.LxcUri, name))
        {
            await Task.Delay(500, Ct);
            Assert.Contains("lxc-42", await console.RunAsync("echo lxc-$((6*7))"), StringComparison.Ordinal);
            Assert.Contains("busybox", await console.RunAsync("ls /bin"), StringComparison.Ordinal);
        }

        var path = $"/lxc/localhost/guests/{created.Id}";
        await SendAsync<ActionResult>(HttpMethod.Put, path + "/power", new { state = "pause" }, HttpStatusCode.OK);
        Assert.Equal(GuestState.PAUSED, (await SendAsync<Guest>(HttpMethod.Get, path, null, HttpStatusCode.OK)).State);
        await SendAsync<ActionResult>(HttpMethod.Put, path + "/power", new { state = "resume" }, HttpStatusCode.OK);
        Assert.Equal(GuestState.STARTED, (await SendAsync<Guest>(HttpMethod.Get, path, null, HttpStatusCode.OK)).State);
        await SendAsync<ActionResult>(HttpMethod.Put, path + "/power?wait=30", new { state = "force_stop" }, HttpStatusCode.OK);
        Assert.Equal(GuestState.STOPPED, (await SendAsync<Guest>(HttpMethod.Get, path, null, HttpStatusCode.OK)).State);

        await ExpectAsync(HttpMethod.Delete, path, null, HttpStatusCode.NoContent);
        await ExpectAsync(HttpMethod.Get, path, null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_lxc_rootfs_outside_the_allowed_folders_is_refused()
    {
        var name = NewName("lxcbad");
        await ExpectAsync(HttpMethod.Post, "/lxc/localhost/guests", new { name, memory = 64, rootfs = "/etc", init = "/bin/sh" }, HttpStatusCode.BadRequest);
        await ExpectAsync(HttpMethod.Get, $"/lxc/localhost/guests/{name}", null, HttpStatusCode.NotFound);
    }

    private static string OvsVsctl(params string[] arguments)
    {
        var start = new ProcessStartInfo("ovs-vsctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ovs-vsctl {string.Join(' ', arguments)} failed: {process.StandardError.ReadToEnd()}");
        return output;
    }
}
