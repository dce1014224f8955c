using System.Text;
using System.Text.Json;
using Simplestack.Core;
using Simplestack.Server.Endpoints;
using Simplestack.Server.Json;
using Simplestack.Server.Requests;

namespace Simplestack.Server.Tests.Unit;

public class RequestReadersTests
{
    private static readonly JsonSerializerOptions Options = JsonDefaults.Create();

    private static T Read<T>(string json)
        where T : class
        => JsonBody<T>.Deserialize(Options, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_full_create_body_reads_into_the_core_record()
    {
        var request = Read<GuestCreateRequest>("""
            {"name": "web1", "cpus": 2, "memory": 1024,
             "image": "debian-12",
             "disks": [{"size": 8}, {"size": 20, "storage_id": "fast"}],
             "network_interfaces": [{"network": "default"}],
             "cdrom": "installer.iso",
             "install": {"location": "http://mirror/debian", "cmdline": "console=ttyS0"},
             "user_data": "#cloud-config\n", "ssh_keys": ["ssh-ed25519 AAA"],
             "start": true, "domain_type": "qemu"}
            """);
        request.Validate();
        Assert.Equal("web1", request.Name);
        Assert.Equal(1024, request.Memory);
        Assert.Equal(2, request.Cpus);
        Assert.Equal([8.0, 20.0], request.Disks!.Select(d => d.Size));
        Assert.Equal("fast", request.Disks![1].StorageId);
        Assert.Equal("default", request.NetworkInterfaces![0].Network);
        Assert.Equal("console=ttyS0", request.Install!.Cmdline);
        Assert.True(request.Start);
        Assert.Equal("qemu", request.DomainType);
    }

    [Theory]
    [InlineData("""{"memory": 512}""", "name")]
    [InlineData("""{"name": "a"}""", "memory")]
    [InlineData("""{"name": null, "memory": 512}""", "name")]
    [InlineData("""{"name": "a", "memory": "512"}""", "memory")]
    [InlineData("""{"name": "a", "memory": 512, "cpus": 1.5}""", "cpus")]
    [InlineData("""{"name": "a", "memory": 512, "disks": [{"storage_id": "x"}]}""", "size")]
    [InlineData("""{"name": "a", "memory": 512, "disks": {"size": 1}}""", "disks")]
    [InlineData("""[1, 2]""", "$")]
    public void Shape_errors_are_400_naming_the_field(string json, string field)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => Read<GuestCreateRequest>(json));
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_body_is_400()
        => Assert.Throws<InvalidArgumentException>(() => Read<GuestCreateRequest>("null"));

    [Fact]
    public void Depth_is_bounded()
    {
        var deep = new string('[', 40) + new string(']', 40);
        var json = $$"""{"name": "a", "memory": 1, "extra": {{deep}}}""";
        Assert.Throws<InvalidArgumentException>(() => Read<GuestCreateRequest>(json));
    }

    [Fact]
    public void Multi_line_bodies_are_fine()
        => Assert.Equal("a", Read<GuestCreateRequest>("{\n  \"name\": \"a\",\n\n  \"memory\": 1\n}\n").Name);

    [Theory]
    [InlineData("""{"name": " ", "memory": 512}""")]
    [InlineData("""{"name": "a", "memory": 0}""")]
    [InlineData("""{"name": "a", "memory": -1}""")]
    [InlineData("""{"name": "a", "memory": 512, "cpus": 0}""")]
    [InlineData("""{"name": "a", "memory": 512, "cpus": 4097}""")]
    [InlineData("""{"name": "a", "memory": 512, "disks": [{"size": 0}]}""")]
    [InlineData("""{"name": "a", "memory": 512, "disks": [{"size": -2}]}""")]
    [InlineData("""{"name": "a", "memory": 512, "network_interfaces": [{"network": ""}]}""")]
    public void Range_errors_are_400(string json)
        => Assert.Throws<InvalidArgumentException>(() => Read<GuestCreateRequest>(json).Validate());

    [Theory]
    [InlineData("start", PowerAction.Start)]
    [InlineData("stop", PowerAction.Stop)]
    [InlineData("force_stop", PowerAction.ForceStop)]
    [InlineData("pause", PowerAction.Pause)]
    [InlineData("resume", PowerAction.Resume)]
    [InlineData("STOP", PowerAction.Stop)]
    public void Power_states(string state, PowerAction action)
    {
        Assert.Equal(action, PowerRequest.Parse(state));
        Assert.Equal(state.ToLowerInvariant(), PowerRequest.Word(action));
    }

    [Theory]
    [InlineData("reboot")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("forcestop")]
    public void Other_power_states_are_400(string? state)
        => Assert.Throws<InvalidArgumentException>(() => PowerRequest.Parse(state));

    [Theory]
    [InlineData(-1.0)]
    [InlineData(601.0)]
    [InlineData(double.NaN)]
    public void Wait_out_of_range_is_400(double seconds)
        => Assert.Throws<InvalidArgumentException>(() => PowerEndpoints.ParseWait(seconds, 600));

    [Fact]
    public void Wait_in_range()
    {
        Assert.Null(PowerEndpoints.ParseWait(null, 600));
        Assert.Equal(TimeSpan.FromSeconds(2.5), PowerEndpoints.ParseWait(2.5, 600));
    }

    private static GuestUpdateRequest GuestUpdate(string json)
    {
        using var document = JsonDocument.Parse(json);
        return GuestUpdateBody.Read(document.RootElement);
    }

    [Fact]
    public void Guest_update_numbers_are_one_size_and_objects_are_limits()
    {
        Assert.Equal(new GuestUpdateRequest(Cpus: 2, Memory: 1024), GuestUpdate("""{"cpus": 2, "memory": 1024}"""));

        var limits = GuestUpdate("""{"cpus": {"vcpus_at_startup": 1, "vcpus_max": 4}, "memory": {"memory_target": 512, "memory_static_min": 256, "memory_static_max": 2048}}""");
        Assert.Equal((1, 4, (long?)null), (limits.Cpus, limits.VcpusMax, limits.Memory));
        Assert.Equal(new MemoryLimits(256, 2048, 512), limits.MemoryLimits);
    }

    [Fact]
    public void Guest_update_reads_the_originals_other_keys()
    {
        var request = GuestUpdate("""{"vcpu_settings": {"weight": "512", "cap": 50}, "ha_enabled": false, "template": true, "memory_target_live": 768, "vcpus_number_live": 2, "hdd": 30.5}""");

        Assert.Equal(new VcpuSettings(512, 50), request.VcpuSettings);
        Assert.Equal((false, true, 768L, 2, 30.5), (request.HaEnabled, request.Template, request.MemoryTargetLive, request.VcpusNumberLive, request.Hdd));
        Assert.Null(request.Paravirtualized);
    }

    [Theory]
    [InlineData("true", true, null)]
    [InlineData("false", false, null)]
    [InlineData("\"console=hvc0\"", true, "console=hvc0")]
    public void Guest_update_paravirtualized_is_true_false_or_kernel_arguments(string value, bool enabled, string? args)
        => Assert.Equal(new Paravirtualization(enabled, args), GuestUpdate($$"""{"paravirtualized": {{value}}}""").Paravirtualized);

    [Fact]
    public void Guest_update_null_fields_are_absent()
        => Assert.Equal(new GuestUpdateRequest(), GuestUpdate("""{"cpus": null, "memory": null, "paravirtualized": null, "name": null}"""));

    private static NicUpdateRequest Nic(string json)
    {
        using var document = JsonDocument.Parse(json);
        return NicUpdateBody.Read(document.RootElement).ToRequest();
    }

    [Fact]
    public void Nic_ratelimit_in_bits_per_second()
        => Assert.Equal(new NicUpdateRequest(null, 1_000_000, false, null), Nic("""{"ratelimit": 1000000}"""));

    [Fact]
    public void Nic_ratelimit_false_removes_it()
        => Assert.Equal(new NicUpdateRequest("lan", null, true, null), Nic("""{"network": "lan", "ratelimit": false}"""));

    [Fact]
    public void Nic_ratelimit_in_exponent_form()
        => Assert.Equal(2_000_000, Nic("""{"ratelimit": 2e6}""").RateLimitBitsPerSecond);

    [Theory]
    [InlineData("""{"ratelimit": true}""")]
    [InlineData("""{"ratelimit": "100"}""")]
    [InlineData("""{"ratelimit": 0}""")]
    [InlineData("""{"ratelimit": -5}""")]
    [InlineData("""{"ratelimit": 1.5}""")]
    [InlineData("""{"network": 5}""")]
    [InlineData("""{"network": ""}""")]
    [InlineData("""[]""")]
    public void Nic_update_errors_are_400(string json)
        => Assert.Throws<InvalidArgumentException>(() => Nic(json));

    [Theory]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("tab\there")]
    public void Bad_tags_are_400(string tag)
        => Assert.Throws<InvalidArgumentException>(() => new TagCreateRequest(tag).Validate());

    [Fact]
    public void Network_vlan_range()
    {
        Assert.Throws<InvalidArgumentException>(() => new NetworkCreateRequest("n", Vlan: 4095).Validate());
        new NetworkCreateRequest("n", Vlan: 2).Validate();
    }

    [Fact]
    public void Timestamps_are_written_in_utc()
    {
        var snapshot = new Snapshot("s", "s", "shutoff", null, new DateTimeOffset(2024, 5, 1, 14, 0, 0, TimeSpan.FromHours(2)));
        var json = JsonSerializer.Serialize(snapshot, Options);
        Assert.Contains("\"created\":\"2024-05-01T12:00:00Z\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Guest_states_are_written_verbatim_and_fields_in_snake_case()
    {
        var guest = new Guest("id", "n", 1, 512, 8, true, false, null, [], GuestState.STARTED, "running", "h");
        var json = JsonSerializer.Serialize(guest, Options);
        Assert.Contains("\"state\":\"STARTED\"", json, StringComparison.Ordinal);
        Assert.Contains("\"tools_up_to_date\":false", json, StringComparison.Ordinal);
        Assert.DoesNotContain("applied", json, StringComparison.Ordinal);
    }
}
