using Simplestack.Core;

namespace Simplestack.Core.Tests;

/// <summary>The update requests' own rules: each bad value is a 400 naming its field, and limits that contradict each other are refused.</summary>
public sealed class UpdateRequestsTests
{
    private static string Refused(IValidatable request) => Assert.Throws<InvalidArgumentException>(request.Validate).Message;

    [Fact]
    public void A_guest_update_with_every_key_in_range_passes()
    {
        var request = new GuestUpdateRequest("web", 2, Hdd: 20)
        {
            VcpusMax = 4,
            VcpusNumberLive = 3,
            MemoryLimits = new MemoryLimits(256, 2048, 1024),
            MemoryTargetLive = 1024,
            VcpuSettings = new VcpuSettings(Weight: 512, Cap: 0),
            HaEnabled = true,
            Template = false,
            Paravirtualized = new Paravirtualization(true, "console=hvc0"),
        };

        request.Validate();
        new MemoryLimits(Target: 512).Validate("memory"); // one limit alone: the others stay the guest's
    }

    [Theory]
    [InlineData(2048L, 1024L, null, "memory.memory_static_min")]
    [InlineData(512L, 1024L, 2048L, "memory.memory_target")]
    [InlineData(512L, 1024L, 256L, "memory.memory_target")]
    [InlineData(0L, null, null, "memory.memory_static_min")]
    [InlineData(null, null, null, "memory must give")]
    public void Memory_limits_out_of_range_or_order_are_refused(long? staticMin, long? staticMax, long? target, string named)
        => Assert.Contains(named, Refused(new GuestUpdateRequest { MemoryLimits = new MemoryLimits(staticMin, staticMax, target) }), StringComparison.Ordinal);

    [Fact]
    public void Memory_as_a_size_and_as_limits_at_once_is_refused()
        => Assert.Contains("not both", Refused(new GuestUpdateRequest(Memory: 512) { MemoryLimits = new MemoryLimits(Target: 512) }), StringComparison.Ordinal);

    [Theory]
    [InlineData(4, 2, null, "cpus.vcpus_at_startup")]
    [InlineData(null, 0, null, "cpus.vcpus_max")]
    [InlineData(null, 2, 3, "vcpus_number_live")]
    [InlineData(null, null, 0, "vcpus_number_live")]
    [InlineData(null, 5000, null, "cpus.vcpus_max")]
    public void Vcpu_counts_out_of_range_or_order_are_refused(int? atStartup, int? max, int? live, string named)
        => Assert.Contains(named, Refused(new GuestUpdateRequest(Cpus: atStartup) { VcpusMax = max, VcpusNumberLive = live }), StringComparison.Ordinal);

    [Theory]
    [InlineData(0, null, "vcpu_settings.weight")]
    [InlineData(65536, null, "vcpu_settings.weight")]
    [InlineData(null, -1, "vcpu_settings.cap")]
    [InlineData(null, null, "vcpu_settings must give")]
    public void Vcpu_settings_out_of_range_are_refused(int? weight, int? cap, string named)
        => Assert.Contains(named, Refused(new GuestUpdateRequest { VcpuSettings = new VcpuSettings(weight, cap) }), StringComparison.Ordinal);

    [Theory]
    [InlineData(false, "console=hvc0")]
    [InlineData(true, "")]
    [InlineData(true, "console=hvc0\nroot=/dev/sda")]
    public void Paravirtualized_kernel_arguments_are_one_line_and_only_for_a_paravirtualized_boot(bool enabled, string args)
        => Assert.Contains("paravirtualized", Refused(new GuestUpdateRequest { Paravirtualized = new Paravirtualization(enabled, args) }), StringComparison.Ordinal);

    [Fact]
    public void Live_memory_target_is_in_range()
        => Assert.Contains("memory_target_live", Refused(new GuestUpdateRequest { MemoryTargetLive = 0 }), StringComparison.Ordinal);

    [Fact]
    public void A_nic_update_with_every_key_passes()
        => new NicUpdateRequest("lan", 8_000_000)
        {
            LockingMode = NicLockingModes.Locked,
            Ipv4Allowed = ["10.0.0.5", "192.168.1.255"],
            Ipv6Allowed = ["fe80::1", "2001:db8::5"],
            Active = true,
        }.Validate();

    [Theory]
    [InlineData("LOCKED", null, null, "locking_mode")]
    [InlineData(null, "10.0.0.256", null, "ipv4_allowed[0]")]
    [InlineData(null, "10.1", null, "ipv4_allowed[0]")]
    [InlineData(null, "fe80::1", null, "ipv4_allowed[0]")]
    [InlineData(null, "", null, "ipv4_allowed[0]")]
    [InlineData(null, null, "10.0.0.1", "ipv6_allowed[0]")]
    [InlineData(null, null, "fe80::zz", "ipv6_allowed[0]")]
    public void Nic_locking_modes_and_addresses_are_checked(string? mode, string? ipv4, string? ipv6, string named)
    {
        var request = new NicUpdateRequest
        {
            LockingMode = mode,
            Ipv4Allowed = ipv4 is null ? null : [ipv4],
            Ipv6Allowed = ipv6 is null ? null : [ipv6],
        };
        Assert.Contains(named, Refused(request), StringComparison.Ordinal);
    }

    [Fact]
    public void A_rate_limit_and_its_removal_at_once_are_refused()
    {
        Assert.Contains("not both", Refused(new NicUpdateRequest(RateLimitBitsPerSecond: 1000, RemoveRateLimit: true)), StringComparison.Ordinal);
        Assert.Contains("ratelimit", Refused(new NicUpdateRequest(RateLimitBitsPerSecond: 0)), StringComparison.Ordinal);
    }
}
