using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Simplestack.Core;

// The change bodies of PUT .../guests/{id} and PUT .../network_interfaces/{id}, with every key
// the original Simplestack took (DRIVERS.md §1). Each checks its own shape and the consistency
// of what it carries, so a bad body is a 400 before a driver changes anything; a driver then
// checks the rest against the guest as it is (its current limits, its power state) before its
// first change, and answers 501 FeatureNotAvailable for a key its hypervisor has no meaning for.

/// <summary>
/// Memory limits in MiB: the original's <c>memory</c> object (<c>memory_static_min</c>,
/// <c>memory_static_max</c>, <c>memory_target</c>). An absent limit keeps the guest's own.
/// </summary>
public sealed record MemoryLimits(long? StaticMin = null, long? StaticMax = null, long? Target = null)
{
    public bool IsEmpty => StaticMin is null && StaticMax is null && Target is null;

    /// <summary>Each limit in range, and <c>static_min ≤ target ≤ static_max</c> among those given.</summary>
    public void Validate(string field)
    {
        if (IsEmpty)
        {
            throw new InvalidArgumentException($"{field} must give at least one of memory_static_min, memory_static_max, memory_target.");
        }

        foreach (var (value, name) in new[] { (StaticMin, "memory_static_min"), (StaticMax, "memory_static_max"), (Target, "memory_target") })
        {
            if (value is { } mebibytes)
            {
                FieldRules.MemoryMiB(mebibytes, $"{field}.{name}");
            }
        }

        CheckOrder(StaticMin, StaticMax, Target, field);
    }

    /// <summary>Refuses limits out of order: <c>static_min ≤ static_max</c>, and the target between them.</summary>
    public static void CheckOrder(long? staticMin, long? staticMax, long? target, string field)
    {
        if (staticMin > staticMax)
        {
            throw new InvalidArgumentException($"{field}.memory_static_min ({staticMin} MiB) must not exceed memory_static_max ({staticMax} MiB).");
        }

        if (target < staticMin || target > staticMax)
        {
            throw new InvalidArgumentException($"{field}.memory_target ({target} MiB) must lie between memory_static_min and memory_static_max.");
        }
    }
}

/// <summary>
/// vCPU scheduling (the original's <c>vcpu_settings</c>, Xen's credit scheduler): <see cref="Weight"/>
/// is the relative share (1 to 65535, 256 by default), <see cref="Cap"/> a ceiling in percent of
/// one physical CPU (0: none).
/// </summary>
public sealed record VcpuSettings(int? Weight = null, int? Cap = null)
{
    public const int MaxWeight = 65535;

    public void Validate(string field)
    {
        if (Weight is null && Cap is null)
        {
            throw new InvalidArgumentException($"{field} must give weight or cap.");
        }

        if (Weight is < 1 or > MaxWeight)
        {
            throw new InvalidArgumentException($"{field}.weight must be from 1 to {MaxWeight}.");
        }

        if (Cap is < 0 or > FieldRules.MaxCpus * 100)
        {
            throw new InvalidArgumentException($"{field}.cap must be from 0 (no cap) to {FieldRules.MaxCpus * 100} (percent of one CPU).");
        }
    }
}

/// <summary>
/// How a guest boots: paravirtualized (<see cref="Enabled"/>) with <see cref="KernelArgs"/> (null:
/// the driver's default), or fully virtualized. The original took <c>true</c>, <c>false</c> or the
/// kernel arguments themselves.
/// </summary>
public sealed record Paravirtualization(bool Enabled, string? KernelArgs = null)
{
    public void Validate(string field)
    {
        if (!Enabled && KernelArgs is not null)
        {
            throw new InvalidArgumentException($"{field}: kernel arguments need a paravirtualized guest.");
        }

        // One line on the kernel's command line: a control character has no place there.
        if (KernelArgs is not null && (string.IsNullOrWhiteSpace(KernelArgs) || KernelArgs.Any(char.IsControl)))
        {
            throw new InvalidArgumentException($"{field} must be true, false, or kernel arguments on one line (not empty).");
        }
    }
}

/// <summary>
/// A guest change. <see cref="Cpus"/> is the vCPUs at boot and <see cref="VcpusMax"/> the most the
/// guest may have (the original's <c>cpus</c> object); <see cref="Memory"/> sets every limit to one
/// size, <see cref="MemoryLimits"/> each on its own (the two are one wire key, so never both);
/// <see cref="MemoryTargetLive"/> and <see cref="VcpusNumberLive"/> change a running guest only.
/// </summary>
public sealed record GuestUpdateRequest(string? Name = null, int? Cpus = null, long? Memory = null, double? Hdd = null) : IValidatable
{
    public MemoryLimits? MemoryLimits { get; init; }

    /// <summary>MiB the running guest's balloon should settle at (the original's <c>memory_target_live</c>).</summary>
    public long? MemoryTargetLive { get; init; }

    public int? VcpusMax { get; init; }

    /// <summary>vCPUs plugged into the running guest now (the original's <c>vcpus_number_live</c>).</summary>
    public int? VcpusNumberLive { get; init; }

    public VcpuSettings? VcpuSettings { get; init; }

    /// <summary>Restart the guest elsewhere when its host fails (Xen: best-effort HA restart priority).</summary>
    public bool? HaEnabled { get; init; }

    /// <summary>Make the guest a template (it leaves the guest list) or keep it a guest.</summary>
    public bool? Template { get; init; }

    public Paravirtualization? Paravirtualized { get; init; }

    public void Validate()
    {
        FieldRules.NotBlankWhenGiven(Name, "name");
        FieldRules.Cpus(Cpus, "cpus");
        FieldRules.Cpus(VcpusMax, "cpus.vcpus_max");
        if (Cpus > VcpusMax)
        {
            throw new InvalidArgumentException($"cpus.vcpus_at_startup ({Cpus}) must not exceed cpus.vcpus_max ({VcpusMax}).");
        }

        FieldRules.Cpus(VcpusNumberLive, "vcpus_number_live");
        if (VcpusNumberLive > VcpusMax)
        {
            throw new InvalidArgumentException($"vcpus_number_live ({VcpusNumberLive}) must not exceed cpus.vcpus_max ({VcpusMax}).");
        }

        if (Memory is { } memory)
        {
            FieldRules.MemoryMiB(memory, "memory");
        }

        if (MemoryLimits is not null)
        {
            if (Memory is not null)
            {
                throw new InvalidArgumentException("memory is one size or an object of limits, not both.");
            }

            MemoryLimits.Validate("memory");
        }

        if (MemoryTargetLive is { } target)
        {
            FieldRules.MemoryMiB(target, "memory_target_live");
        }

        if (Hdd is { } hdd)
        {
            FieldRules.SizeGiB(hdd, "hdd");
        }

        VcpuSettings?.Validate("vcpu_settings");
        Paravirtualized?.Validate("paravirtualized");
    }
}

/// <summary>The locking modes of a NIC (XenAPI's <c>vif_locking_mode</c>, which the original passed through).</summary>
public static class NicLockingModes
{
    public const string NetworkDefault = "network_default";
    public const string Locked = "locked";
    public const string Unlocked = "unlocked";
    public const string Disabled = "disabled";

    public static IReadOnlyList<string> All { get; } = [NetworkDefault, Locked, Unlocked, Disabled];
}

/// <summary>
/// A NIC change. <see cref="RateLimitBitsPerSecond"/> sets a limit; <see cref="RemoveRateLimit"/>
/// (the original's <c>"ratelimit": false</c>) removes it. <see cref="LockingMode"/> and the allowed
/// addresses filter what the guest may send; <see cref="Active"/> plugs or unplugs the NIC of a
/// running guest. An empty address list clears it.
/// </summary>
public sealed record NicUpdateRequest(string? Network = null, long? RateLimitBitsPerSecond = null, bool RemoveRateLimit = false, string? Model = null) : IValidatable
{
    public string? LockingMode { get; init; }

    public IReadOnlyList<string>? Ipv4Allowed { get; init; }

    public IReadOnlyList<string>? Ipv6Allowed { get; init; }

    public bool? Active { get; init; }

    public void Validate()
    {
        FieldRules.NotBlankWhenGiven(Network, "network");
        FieldRules.NotBlankWhenGiven(Model, "model");
        if (RateLimitBitsPerSecond is <= 0)
        {
            throw new InvalidArgumentException("ratelimit must be a positive whole number of bits per second, or false to remove the limit.");
        }

        if (RateLimitBitsPerSecond is not null && RemoveRateLimit)
        {
            throw new InvalidArgumentException("ratelimit is a limit or false, not both.");
        }

        if (LockingMode is not null && !NicLockingModes.All.Contains(LockingMode, StringComparer.Ordinal))
        {
            throw new InvalidArgumentException($"locking_mode must be one of {string.Join(", ", NicLockingModes.All)}.");
        }

        CheckAddresses(Ipv4Allowed, "ipv4_allowed", AddressFamily.InterNetwork);
        CheckAddresses(Ipv6Allowed, "ipv6_allowed", AddressFamily.InterNetworkV6);
    }

    private static void CheckAddresses(IReadOnlyList<string>? addresses, string field, AddressFamily family)
    {
        for (var i = 0; i < (addresses?.Count ?? 0); i++)
        {
            if (!IsAddress(addresses![i], family))
            {
                var kind = family == AddressFamily.InterNetwork ? "an IPv4 address (a.b.c.d)" : "an IPv6 address";
                throw new InvalidArgumentException($"{field}[{i}] must be {kind}.");
            }
        }
    }

    // IPAddress.TryParse takes "10" or "1.2" as IPv4: the dotted quad is asked for explicitly.
    private static bool IsAddress(string? text, AddressFamily family)
    {
        if (string.IsNullOrEmpty(text) || !IPAddress.TryParse(text, out var address) || address.AddressFamily != family)
        {
            return false;
        }

        return family != AddressFamily.InterNetwork
            || text.Split('.') is { Length: 4 } parts && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit)
                                                              && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }
}
