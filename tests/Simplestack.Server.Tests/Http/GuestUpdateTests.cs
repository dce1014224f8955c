using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Server.Tests.Http;

/// <summary>
/// The original's update keys on the test hypervisor: the two-shape fields are read, libvirt's
/// natural mappings apply (memory limits → memory/currentMemory, vcpus_max → vcpu), the keys libvirt
/// has no meaning for are 501 naming them, and a refused body (400, 409, 501) changes nothing.
/// </summary>
public class GuestUpdateTests(GatewayFactory factory) : HttpTestBase(factory)
{
    /// <summary>What libvirt holds for the next boot: (vcpu max, vcpu current, memory KiB, currentMemory KiB).</summary>
    private async Task<(int, int, long, long)> DefinitionAsync(string name)
    {
        var libvirt = await LibvirtAsync();
        using var domain = libvirt.TryLookupDomainByName(name)!;
        var root = XDocument.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive)).Root!;
        var vcpu = root.Element("vcpu")!;
        var max = int.Parse(vcpu.Value, CultureInfo.InvariantCulture);
        return (max, vcpu.Attribute("current") is { } current ? int.Parse(current.Value, CultureInfo.InvariantCulture) : max,
            long.Parse(root.Element("memory")!.Value, CultureInfo.InvariantCulture), long.Parse(root.Element("currentMemory")!.Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_cpus_and_memory_objects_set_the_maximums_and_what_the_guest_boots_with()
    {
        var guest = await CreateGuestAsync();

        var response = await Client.PutJsonAsync(
            $"{Base}/guests/{guest.Id}",
            """{"cpus": {"vcpus_at_startup": 2, "vcpus_max": 4}, "memory": {"memory_static_max": 512, "memory_target": 256}}""");

        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal((4, 2, 512L * 1024, 256L * 1024), await DefinitionAsync(guest.Name));
        var updated = await response.ReadAsync<Guest>();
        Assert.Equal(2, updated.Cpus);
        Assert.Equal(Applied.NextBoot, updated.Applied!["cpus"]);

        // Lowering both keeps the count within the maximum at every step.
        await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}", """{"cpus": {"vcpus_at_startup": 1, "vcpus_max": 1}, "memory": {"memory_static_max": 128, "memory_target": 128}}"""))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal((1, 1, 128L * 1024, 128L * 1024), await DefinitionAsync(guest.Name));
    }

    [Fact]
    public async Task The_live_keys_change_a_running_guest_and_are_409_on_a_stopped_one()
    {
        var running = await CreateGuestAsync(start: true);
        var response = await Client.PutJsonAsync($"{Base}/guests/{running.Id}", """{"memory_target_live": 64}""");
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(Applied.Live, (await response.ReadAsync<Guest>()).Applied!["memory_target_live"]);
        var libvirt = await LibvirtAsync();
        using (var domain = libvirt.TryLookupDomainByName(running.Name)!)
        {
            Assert.Equal(64UL * 1024, domain.GetInfo().MemoryKiB);
        }

        await (await Client.PutJsonAsync($"{Base}/guests/{running.Id}", """{"vcpus_number_live": 2}"""))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments"); // Above the 1 vCPU it booted with at most.

        var stopped = await CreateGuestAsync();
        await (await Client.PutJsonAsync($"{Base}/guests/{stopped.Id}", """{"vcpus_number_live": 1}""")).ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
        await (await Client.PutJsonAsync($"{Base}/guests/{stopped.Id}", """{"memory_target_live": 64}""")).ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Theory]
    [InlineData("""{"vcpu_settings": {"weight": 512}}""", "vcpu_settings")]
    [InlineData("""{"ha_enabled": true}""", "ha_enabled")]
    [InlineData("""{"template": true}""", "template")]
    [InlineData("""{"paravirtualized": true}""", "paravirtualized")]
    [InlineData("""{"paravirtualized": "console=hvc0"}""", "paravirtualized")]
    [InlineData("""{"memory": {"memory_static_min": 64, "memory_static_max": 256}}""", "memory.memory_static_min")]
    public async Task Keys_libvirt_has_no_meaning_for_are_501_naming_them_and_change_nothing(string keys, string named)
    {
        var guest = await CreateGuestAsync();
        var before = await DefinitionAsync(guest.Name);
        var body = $$"""{"name": "{{UniqueName("renamed")}}", "cpus": 2, {{keys[1..]}}""";

        var error = await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}", body)).ShouldBeErrorAsync(HttpStatusCode.NotImplemented, "FeatureNotAvailable");

        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await DefinitionAsync(guest.Name));
        Assert.True((await DomainStateAsync(guest.Name)).Exists); // not renamed
    }

    [Fact]
    public async Task False_template_and_paravirtualized_are_what_a_libvirt_guest_is_already()
    {
        var guest = await CreateGuestAsync();
        await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}", """{"template": false, "paravirtualized": false}""")).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"cpus": {"vcpus_at_startup": 4, "vcpus_max": 2}}""", "cpus.vcpus_at_startup")]
    [InlineData("""{"cpus": {"vcpus_max": 0}}""", "cpus.vcpus_max")]
    [InlineData("""{"cpus": {}}""", "cpus")]
    [InlineData("""{"cpus": "2"}""", "cpus")]
    [InlineData("""{"memory": {"memory_static_min": 2048, "memory_static_max": 1024}}""", "memory.memory_static_min")]
    [InlineData("""{"memory": {"memory_static_max": 256, "memory_target": 512}}""", "memory.memory_target")]
    [InlineData("""{"memory": {"memory_target": 1.5}}""", "memory.memory_target")]
    [InlineData("""{"memory": {}}""", "memory")]
    [InlineData("""{"memory": {"memory_dynamic_max": 512}}""", "memory.memory_dynamic_max")]
    [InlineData("""{"cpus": {"vcpus": 2}}""", "cpus.vcpus")]
    [InlineData("""{"memory_target_live": 0}""", "memory_target_live")]
    [InlineData("""{"vcpus_number_live": -1}""", "vcpus_number_live")]
    [InlineData("""{"vcpu_settings": {"mask": "0,1"}}""", "vcpu_settings.mask")]
    [InlineData("""{"vcpu_settings": {"weight": 0}}""", "vcpu_settings.weight")]
    [InlineData("""{"vcpu_settings": {"cap": "x"}}""", "vcpu_settings.cap")]
    [InlineData("""{"paravirtualized": 1}""", "paravirtualized")]
    [InlineData("""{"paravirtualized": ""}""", "paravirtualized")]
    [InlineData("""{"ha_enabled": "yes"}""", "ha_enabled")]
    [InlineData("""{"template": 1}""", "template")]
    public async Task Bad_values_are_400_naming_the_field_and_change_nothing(string keys, string field)
    {
        var guest = await CreateGuestAsync();
        var before = await DefinitionAsync(guest.Name);
        var body = $$"""{"name": "{{UniqueName("renamed")}}", "cpus": 2, {{keys[1..]}}""";
        if (keys.Contains("\"cpus\"", StringComparison.Ordinal))
        {
            body = $$"""{"name": "{{UniqueName("renamed")}}", {{keys[1..]}}""";
        }

        var error = await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

        Assert.Contains(field, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await DefinitionAsync(guest.Name));
        Assert.True((await DomainStateAsync(guest.Name)).Exists);
    }

    [Fact]
    public async Task A_maximum_below_what_the_guest_boots_with_is_400_before_anything_changes()
    {
        var guest = await CreateGuestAsync();
        await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}", """{"cpus": 2}""")).ShouldBeAsync(HttpStatusCode.OK);
        var before = await DefinitionAsync(guest.Name);

        await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}", """{"memory": 256, "cpus": {"vcpus_max": 1}}""")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
        await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}", """{"cpus": 1, "memory": {"memory_static_max": 64}}""")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

        Assert.Equal(before, await DefinitionAsync(guest.Name));
    }

    [Fact]
    public async Task A_disk_grow_the_pool_refuses_puts_the_vcpus_and_memory_back()
    {
        var guest = await CreateGuestAsync(extra: """, "disks": [{"size": 1}]""");
        var before = await DefinitionAsync(guest.Name);

        var response = await Client.PutJsonAsync(
            $"{Base}/guests/{guest.Id}", """{"cpus": {"vcpus_at_startup": 2, "vcpus_max": 4}, "memory": {"memory_static_max": 512, "memory_target": 256}, "hdd": 60000}""");

        Assert.False(response.IsSuccessStatusCode);
        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(before, await DefinitionAsync(guest.Name));
        Assert.Equal(1, (await Client.GetAsync<Guest>($"{Base}/guests/{guest.Id}")).Hdd);
    }

    [Theory]
    [InlineData("""{"locking_mode": "locked"}""", 501, "locking_mode")]
    [InlineData("""{"ipv4_allowed": ["10.0.0.5"]}""", 501, "ipv4_allowed")]
    [InlineData("""{"ipv6_allowed": []}""", 501, "ipv6_allowed")]
    [InlineData("""{"active": false}""", 501, "active")]
    [InlineData("""{"locking_mode": "closed"}""", 400, "locking_mode")]
    [InlineData("""{"ipv4_allowed": ["300.1.1.1"]}""", 400, "ipv4_allowed[0]")]
    [InlineData("""{"ipv4_allowed": ["10.1"]}""", 400, "ipv4_allowed[0]")]
    [InlineData("""{"ipv6_allowed": ["10.0.0.1"]}""", 400, "ipv6_allowed[0]")]
    [InlineData("""{"ipv4_allowed": "10.0.0.1"}""", 400, "ipv4_allowed")]
    [InlineData("""{"active": "no"}""", 400, "active")]
    public async Task Nic_keys_libvirt_lacks_are_501_bad_ones_400_and_the_nic_is_unchanged(string keys, int status, string named)
    {
        var guest = await CreateGuestAsync();
        var url = $"{Base}/guests/{guest.Id}/network_interfaces";
        var nic = await (await Client.PostJsonAsync(url, """{"network": "default"}""")).ReadAsync<NetworkInterface>();

        var response = await Client.PutJsonAsync($"{url}/{nic.Id}", $$"""{"ratelimit": 8000000, {{keys[1..]}}""");

        var error = await response.ShouldBeErrorAsync((HttpStatusCode)status, status == 501 ? "FeatureNotAvailable" : "InvalidArguments");
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Null((await Client.GetAsync<NetworkInterface>($"{url}/{nic.Id}")).RateLimit);
    }
}
