using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// PUT .../guests/{id}. Everything is checked first (keys libvirt has no meaning for, the name, the
// power state the live keys need, the limits against the definition, the disk to grow), so a 4xx
// or 501 changes nothing; a call that still fails puts the definition's vCPUs and memory back. The original's memory limits map onto <memory> (static_max) and <currentMemory>
// (target), vcpus_max onto <vcpu>, vcpus_at_startup onto its current count; memory_static_min,
// vcpu_settings, ha_enabled, a template and a paravirtualized boot have no libvirt meaning here.
public abstract partial class LibvirtHypervisorConnection
{
    public Task<Guest> UpdateGuestAsync(string guestId, GuestUpdateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        request.Validate();
        using var domain = FindDomain(guestId); // An unknown guest is 404 whatever the body asks.
        RefuseKeysWithoutMeaning(request);
        var active = domain.IsActive;
        var config = DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive));
        var rename = request.Name is { } wanted && wanted != domain.Name ? CheckRename(wanted, active) : null;
        CheckLiveKeys(request, domain, active);
        CheckLimits(request, config);
        var growth = request.Hdd is { } hdd ? PlanLastDiskGrowth(domain, ToBytes(hdd)) : null;

        var applied = new Dictionary<string, string>();
        using var undo = NewUndo();
        if (request.Cpus is not null || request.VcpusMax is not null || request.Memory is not null || request.MemoryLimits is not null)
        {
            undo.Add($"vCPUs and memory of {domain.Name}", () => RestoreDefinedLimits(domain, config));
        }

        if (request.Cpus is not null || request.VcpusMax is not null)
        {
            applied["cpus"] = ChangeCpus(domain, config, active, request.Cpus, request.VcpusMax);
        }

        if (request.Memory is { } memory)
        {
            applied["memory"] = ChangeMemory(domain, config, active, Kib(memory), staticMaxKib: null);
        }
        else if (request.MemoryLimits is { } limits)
        {
            applied["memory"] = ChangeMemory(domain, config, active, limits.Target is { } target ? Kib(target) : null, limits.StaticMax is { } max ? Kib(max) : null);
        }

        if (request.VcpusNumberLive is { } live)
        {
            domain.SetVcpus((uint)live, DomainModificationImpact.Live);
            applied["vcpus_number_live"] = Applied.Live;
        }

        if (request.MemoryTargetLive is { } liveTarget)
        {
            domain.SetMemory(Kib(liveTarget), DomainModificationImpact.Live);
            applied["memory_target_live"] = Applied.Live;
        }

        if (request.Hdd is not null)
        {
            // Last but the name: a grown disk cannot be shrunk back.
            applied["hdd"] = growth is { } grow ? ResizeDisk(domain, grow.Disk, grow.Bytes) : Applied.Live;
        }

        if (rename is not null)
        {
            domain.Rename(rename);
            applied["name"] = Applied.Live;
        }

        undo.Commit();
        GuestTouched(domain.Uuid);
        return RecordGuest(domain) with { Applied = applied };
    }, cancellationToken);

    private static ulong Kib(long mebibytes) => (ulong)mebibytes * 1024;

    /// <summary>
    /// The original's hdd: the last disk grows so the disks total the wanted size. Checked only
    /// (no disk, a shrink: 409; a stopped guest's disk that is no volume: 501); null when they total it already.
    /// </summary>
    private (ParsedDisk Disk, long Bytes)? PlanLastDiskGrowth(LibvirtDomain domain, long wantedTotalBytes)
    {
        var disks = DomainDescription.Parse(domain.GetXmlDesc()).Disks.Where(d => d.Device == "disk").ToList();
        if (disks.Count == 0)
        {
            throw new ConflictException("The guest has no disk to grow.");
        }

        var sizes = disks.Select(d => DiskCapacityBytes(domain, d)).ToList();
        var growth = wantedTotalBytes - sizes.Sum();
        if (growth < 0)
        {
            throw new ConflictException("Disks can only grow: hdd is smaller than the guest's disks already are.");
        }

        if (growth == 0)
        {
            return null;
        }

        if (!domain.IsActive)
        {
            using var volume = (disks[^1].SourcePath is { } path ? Native.TryLookupStorageVolumeByPath(path) : null)
                ?? throw new FeatureNotAvailableException($"Disk '{disks[^1].Target}' is not a storage volume, so it cannot be grown here.");
        }

        return (disks[^1], sizes[^1] + growth);
    }

    /// <summary>
    /// Undoes a failed update's vCPU and memory changes to the definition (what applied live to a
    /// running guest stays until its next boot): each maximum and count back, in the order that
    /// keeps every count within its maximum.
    /// </summary>
    private static void RestoreDefinedLimits(LibvirtDomain domain, DomainDescription before)
    {
        var now = DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive));
        if (before.MaxVcpus >= now.MaxVcpus)
        {
            domain.SetMaxVcpus((uint)before.MaxVcpus, DomainModificationImpact.Config);
            domain.SetVcpus((uint)before.Vcpus, DomainModificationImpact.Config);
        }
        else
        {
            domain.SetVcpus((uint)before.Vcpus, DomainModificationImpact.Config);
            domain.SetMaxVcpus((uint)before.MaxVcpus, DomainModificationImpact.Config);
        }

        if (before.MemoryKiB >= now.MemoryKiB)
        {
            domain.SetMaxMemory((ulong)before.MemoryKiB, DomainModificationImpact.Config);
            domain.SetMemory((ulong)before.CurrentMemoryKiB, DomainModificationImpact.Config);
        }
        else
        {
            domain.SetMemory((ulong)before.CurrentMemoryKiB, DomainModificationImpact.Config);
            domain.SetMaxMemory((ulong)before.MemoryKiB, DomainModificationImpact.Config);
        }
    }

    /// <summary>501 naming every key of the body that libvirt has no meaning for (false template and paravirtualized: what a libvirt guest already is).</summary>
    private static void RefuseKeysWithoutMeaning(GuestUpdateRequest request)
    {
        var keys = new (bool Given, string Key)[]
        {
            (request.MemoryLimits?.StaticMin is not null, "memory.memory_static_min"),
            (request.VcpuSettings is not null, "vcpu_settings"),
            (request.HaEnabled is not null, "ha_enabled"),
            (request.Template is true, "template"),
            (request.Paravirtualized is { Enabled: true }, "paravirtualized"),
        };
        var given = keys.Where(k => k.Given).Select(k => k.Key).ToList();
        if (given.Count > 0)
        {
            throw new FeatureNotAvailableException($"libvirt has no meaning for {string.Join(", ", given)}: nothing was changed.");
        }
    }

    private string CheckRename(string name, bool active)
    {
        LibvirtNames.ValidateName("guest", name);
        if (active)
        {
            throw new ConflictException("A running guest cannot be renamed; stop it first.");
        }

        using var taken = Native.TryLookupDomainByName(name);
        return taken is null ? name : throw new ConflictException($"A guest named '{name}' already exists.");
    }

    /// <summary>memory_target_live and vcpus_number_live change the running guest, within what it booted with.</summary>
    private static void CheckLiveKeys(GuestUpdateRequest request, LibvirtDomain domain, bool active)
    {
        if (request.MemoryTargetLive is null && request.VcpusNumberLive is null)
        {
            return;
        }

        if (!active)
        {
            throw new ConflictException("memory_target_live and vcpus_number_live change a running guest; this one is stopped.");
        }

        var live = DomainDescription.Parse(domain.GetXmlDesc());
        if (request.VcpusNumberLive > live.MaxVcpus)
        {
            throw new InvalidArgumentException($"vcpus_number_live ({request.VcpusNumberLive}) exceeds the running guest's vcpus_max ({live.MaxVcpus}).");
        }

        if (request.MemoryTargetLive * 1024 > live.MemoryKiB)
        {
            throw new InvalidArgumentException($"memory_target_live ({request.MemoryTargetLive} MiB) exceeds the running guest's memory_static_max ({live.MemoryKiB / 1024} MiB).");
        }
    }

    /// <summary>The limits the body leaves out keep the definition's: what results must still be in order.</summary>
    private static void CheckLimits(GuestUpdateRequest request, DomainDescription config)
    {
        if (request.VcpusMax is { } max && request.Cpus is null && config.Vcpus > max)
        {
            throw new InvalidArgumentException($"cpus.vcpus_max ({max}) is below the guest's vcpus_at_startup ({config.Vcpus}): give vcpus_at_startup too.");
        }

        if (request.MemoryLimits is { } limits)
        {
            var staticMax = limits.StaticMax ?? config.MemoryKiB / 1024;
            var target = limits.Target ?? config.CurrentMemoryKiB / 1024;
            if (target > staticMax)
            {
                throw new InvalidArgumentException($"memory.memory_target ({target} MiB) would exceed memory_static_max ({staticMax} MiB): give both.");
            }
        }
    }

    /// <summary>
    /// vCPUs at boot (live too when the guest takes it) and the most it may have, in the order that
    /// keeps the count within the maximum: a higher maximum first, a lower one last.
    /// </summary>
    private static string ChangeCpus(LibvirtDomain domain, DomainDescription config, bool active, int? cpus, int? max)
    {
        var raise = max is { } higher && higher >= config.MaxVcpus;
        if (raise)
        {
            domain.SetMaxVcpus((uint)max!.Value, DomainModificationImpact.Config);
        }

        var applied = Applied.NextBoot;
        if (cpus is { } count)
        {
            applied = ChangeLiveOrConfig(
                active,
                raiseMaximum: () =>
                {
                    if (max is null && count > DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive)).MaxVcpus)
                    {
                        domain.SetMaxVcpus((uint)count, DomainModificationImpact.Config);
                    }
                },
                apply: impact => domain.SetVcpus((uint)count, impact));
        }

        if (max is { } lower && !raise)
        {
            domain.SetMaxVcpus((uint)lower, DomainModificationImpact.Config);
        }

        return applied;
    }

    /// <summary>
    /// The memory the guest runs with (<paramref name="targetKib"/>, live when it takes it) and its
    /// boot maximum (<paramref name="staticMaxKib"/>; a target above the maximum raises it), a
    /// higher maximum before the target, a lower one after.
    /// </summary>
    private static string ChangeMemory(LibvirtDomain domain, DomainDescription config, bool active, ulong? targetKib, ulong? staticMaxKib)
    {
        var raise = staticMaxKib is { } higher && (long)higher >= config.MemoryKiB;
        if (raise)
        {
            domain.SetMaxMemory(staticMaxKib!.Value, DomainModificationImpact.Config);
        }

        var applied = Applied.NextBoot;
        if (targetKib is { } kib)
        {
            applied = ChangeLiveOrConfig(
                active,
                raiseMaximum: () =>
                {
                    if ((long)kib > DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive)).MemoryKiB)
                    {
                        domain.SetMaxMemory(kib, DomainModificationImpact.Config);
                    }
                },
                apply: impact => domain.SetMemory(kib, impact));
        }

        if (staticMaxKib is { } lower && !raise)
        {
            domain.SetMaxMemory(lower, DomainModificationImpact.Config);
        }

        return applied;
    }

    /// <summary>
    /// Applies a change to the running guest and its definition when the hypervisor allows it
    /// live; otherwise (or when the guest is stopped) to the definition only, for the next boot.
    /// </summary>
    private static string ChangeLiveOrConfig(bool active, Action raiseMaximum, Action<DomainModificationImpact> apply)
    {
        if (active && TryApply(apply, DomainModificationImpact.Live | DomainModificationImpact.Config))
        {
            return Applied.Live;
        }

        // Some drivers (the test driver) take live and config changes only one at a time.
        if (active && TryApply(apply, DomainModificationImpact.Live))
        {
            raiseMaximum();
            apply(DomainModificationImpact.Config);
            return Applied.Live;
        }

        // Beyond what the running guest can take (above its maximum, no hot-plug), or stopped: next boot.
        raiseMaximum();
        apply(DomainModificationImpact.Config);
        return Applied.NextBoot;
    }

    private static bool TryApply(Action<DomainModificationImpact> apply, DomainModificationImpact impact)
    {
        try
        {
            apply(impact);
            return true;
        }
        catch (LibvirtException error) when (error.Code is LibvirtErrorCode.NoSupport or LibvirtErrorCode.OperationInvalid
                                                 or LibvirtErrorCode.InvalidArg or LibvirtErrorCode.OperationFailed
                                                 or LibvirtErrorCode.ConfigUnsupported or LibvirtErrorCode.ArgumentUnsupported)
        {
            return false;
        }
    }
}
