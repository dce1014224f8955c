using System.Globalization;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// PUT .../guests/{id} with every key the original took (DRIVERS.md §1), through the current
// XenAPI calls. Everything is checked against the VM as it is (its power state, its limits, its
// disks) before the first change, so a 4xx changes nothing; a call that still fails undoes the
// changes made before it. The disk grows last but one (a grow cannot be undone) and the template
// flag last: a VM made a template leaves the guest list (it serves as a create `image` from then on).
public sealed partial class XenApiConnection
{
    /// <summary>The original's kernel arguments for <c>"paravirtualized": true</c>.</summary>
    private const string DefaultPvArgs = "-- quiet console=hvc0";

    /// <summary>The HA restart priority of <c>"ha_enabled": true</c> (the original's; "restart" needs an HA plan).</summary>
    private const string HaBestEffort = "best-effort";

    public async Task<Guest> UpdateGuestAsync(string guestId, GuestUpdateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        await CheckRenameAsync(vm, request.Name, cancellationToken);
        var memory = PlanMemory(vm, request);
        var cpus = PlanCpus(vm, request);
        CheckLive(vm, request);
        var disk = request.Hdd is { } hdd ? await PlanLastDiskGrowthAsync(vm, hdd, cancellationToken) : null;
        var makeTemplate = request.Template is true;
        if (makeTemplate && vm.PowerState != "Halted")
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: make it a template while it is halted.");
        }

        var applied = new Dictionary<string, string>();
        await using var undo = new Reverter(_logger);
        if (request.Name is { } name && name != vm.NameLabel)
        {
            await Call.SetNameLabel(vmRef, name, cancellationToken);
            undo.Add($"name of {vm.NameLabel}", async () => await Call.SetNameLabel(vmRef, vm.NameLabel, CancellationToken.None));
            applied["name"] = Applied.Live;
        }

        if (memory is { } limits)
        {
            applied["memory"] = await ChangeMemoryAsync(vmRef, vm, limits, undo, cancellationToken);
        }

        if (cpus is { } vcpus)
        {
            await ChangeCpusAsync(vmRef, vm, vcpus.AtStartup, vcpus.Max, undo, cancellationToken);
            applied["cpus"] = Applied.NextBoot;
        }

        if (request.VcpusNumberLive is { } live)
        {
            await Call.SetVcpusNumberLive(vmRef, live, cancellationToken);
            undo.Add($"vCPUs of {vm.NameLabel}", async () => await Call.SetVcpusNumberLive(vmRef, vm.VcpusAtStartup, CancellationToken.None));
            applied["vcpus_number_live"] = Applied.Live;
        }

        if (request.MemoryTargetLive is { } target)
        {
            await Call.SetMemoryDynamicRange(vmRef, GuestMapping.Bytes(target), GuestMapping.Bytes(target), cancellationToken);
            undo.Add($"memory target of {vm.NameLabel}", async () => await Call.SetMemoryDynamicRange(vmRef, vm.MemoryDynamicMin, vm.MemoryDynamicMax, CancellationToken.None));
            applied["memory_target_live"] = Applied.Live;
        }

        if (request.VcpuSettings is { } settings)
        {
            await ChangeVcpuSettingsAsync(vmRef, vm, settings, undo, cancellationToken);
            applied["vcpu_settings"] = Applied.NextBoot;
        }

        if (request.HaEnabled is { } ha)
        {
            if (ha != (vm.HaRestartPriority.Length > 0))
            {
                await Call.SetHaRestartPriority(vmRef, ha ? HaBestEffort : "", cancellationToken);
                undo.Add($"HA of {vm.NameLabel}", async () => await Call.SetHaRestartPriority(vmRef, vm.HaRestartPriority, CancellationToken.None));
            }

            applied["ha_enabled"] = Applied.Live;
        }

        if (request.Paravirtualized is { } boot)
        {
            await ChangeBootAsync(vmRef, vm, boot, undo, cancellationToken);
            applied["paravirtualized"] = Applied.NextBoot;
        }

        if (disk is { } grow)
        {
            await ResizeVdiAsync(grow.Disk.VdiRef, grow.Bytes, cancellationToken);
        }

        if (request.Hdd is not null)
        {
            applied["hdd"] = Applied.NextBoot; // Grown while halted (a plugged disk is refused above).
        }

        if (makeTemplate)
        {
            await Call.SetIsATemplate(vmRef, true, cancellationToken);
            applied["template"] = Applied.Live;
        }

        undo.Commit();
        return await ReadGuestAsync(vmRef, cancellationToken) with { Applied = applied };
    }

    /// <summary>A rename needs a free name and, as before, a halted VM.</summary>
    private async Task CheckRenameAsync(VmRecord vm, string? name, CancellationToken cancellationToken)
    {
        if (name is null || name == vm.NameLabel)
        {
            return;
        }

        CheckName(name, "guest");
        if (vm.PowerState != "Halted")
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: rename it while it is halted.");
        }

        if ((await Call.VmsByName(name, cancellationToken)).Count > 0)
        {
            throw new ConflictException($"A VM named '{name}' exists already.");
        }
    }

    /// <summary>The four memory limits in bytes, as set_memory_limits takes them.</summary>
    private readonly record struct MemoryPlan(long StaticMin, long StaticMax, long DynamicMin, long DynamicMax, bool Live);

    /// <summary>
    /// <c>memory</c> as the VM will have it. One size: halted, every limit to it (static_min lowered
    /// when needed); running, the dynamic range within the static range (outside it: 409). Limits:
    /// halted only (xapi changes the static range of a halted VM only), each absent one kept, and
    /// the result in order (static_min ≤ target ≤ static_max) or 400.
    /// </summary>
    private static MemoryPlan? PlanMemory(VmRecord vm, GuestUpdateRequest request)
    {
        var halted = vm.PowerState == "Halted";
        if (request.Memory is { } mebibytes)
        {
            var bytes = GuestMapping.Bytes(mebibytes);
            if (halted)
            {
                return new MemoryPlan(Math.Min(vm.MemoryStaticMin, bytes), bytes, bytes, bytes, Live: false);
            }

            if (bytes > vm.MemoryStaticMax || bytes < vm.MemoryStaticMin)
            {
                throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: memory outside its static range ({vm.MemoryStaticMin / BytesPerMiB} to {vm.MemoryStaticMax / BytesPerMiB} MiB) needs it halted.");
            }

            return new MemoryPlan(vm.MemoryStaticMin, vm.MemoryStaticMax, bytes, bytes, Live: true);
        }

        if (request.MemoryLimits is not { } limits)
        {
            return null;
        }

        if (!halted)
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: change its memory limits while it is halted (memory_target_live changes a running guest).");
        }

        var staticMin = limits.StaticMin is { } min ? GuestMapping.Bytes(min) : vm.MemoryStaticMin;
        var staticMax = limits.StaticMax is { } max ? GuestMapping.Bytes(max) : vm.MemoryStaticMax;
        var (dynamicMin, dynamicMax) = limits.Target is { } target
            ? (GuestMapping.Bytes(target), GuestMapping.Bytes(target))
            : (vm.MemoryDynamicMin, vm.MemoryDynamicMax);
        MemoryLimits.CheckOrder(staticMin / BytesPerMiB, staticMax / BytesPerMiB, null, "memory");
        if (dynamicMin < staticMin || dynamicMax > staticMax)
        {
            throw new InvalidArgumentException(limits.Target is null
                ? $"memory: the guest's memory target ({dynamicMin / BytesPerMiB} to {dynamicMax / BytesPerMiB} MiB) would fall outside the new static range; give memory_target too."
                : $"memory.memory_target ({dynamicMin / BytesPerMiB} MiB) must lie between memory_static_min and memory_static_max ({staticMin / BytesPerMiB} to {staticMax / BytesPerMiB} MiB).");
        }

        return new MemoryPlan(staticMin, staticMax, dynamicMin, dynamicMax, Live: false);
    }

    private async Task<string> ChangeMemoryAsync(string vmRef, VmRecord vm, MemoryPlan plan, Reverter undo, CancellationToken cancellationToken)
    {
        if (plan.Live)
        {
            await Call.SetMemoryDynamicRange(vmRef, plan.DynamicMin, plan.DynamicMax, cancellationToken);
            undo.Add($"memory of {vm.NameLabel}", async () => await Call.SetMemoryDynamicRange(vmRef, vm.MemoryDynamicMin, vm.MemoryDynamicMax, CancellationToken.None));
            return Applied.Live;
        }

        await Call.SetMemoryLimits(vmRef, plan.StaticMin, plan.StaticMax, plan.DynamicMin, plan.DynamicMax, cancellationToken);
        undo.Add($"memory of {vm.NameLabel}", async () => await Call.SetMemoryLimits(
            vmRef, vm.MemoryStaticMin, vm.MemoryStaticMax, vm.MemoryDynamicMin, vm.MemoryDynamicMax, CancellationToken.None));
        return Applied.NextBoot;
    }

    /// <summary>
    /// vCPUs at boot and at most, halted only (xapi's changing_VCPUs). An absent maximum is raised
    /// to the count when below it (the original's max(startup, max)); an absent count is kept.
    /// </summary>
    private static (long AtStartup, long Max)? PlanCpus(VmRecord vm, GuestUpdateRequest request)
    {
        if (request.Cpus is null && request.VcpusMax is null)
        {
            return null;
        }

        if (vm.PowerState != "Halted")
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: change its vCPUs while it is halted (vcpus_number_live changes a running guest).");
        }

        var atStartup = request.Cpus ?? vm.VcpusAtStartup;
        var max = request.VcpusMax ?? Math.Max(atStartup, vm.VcpusMax);
        return atStartup <= max
            ? (atStartup, max)
            : throw new InvalidArgumentException($"cpus.vcpus_max ({max}) is below the guest's vcpus_at_startup ({atStartup}): give vcpus_at_startup too.");
    }

    /// <summary>The keys that change a running VM need it running, and stay within what it booted with.</summary>
    private static void CheckLive(VmRecord vm, GuestUpdateRequest request)
    {
        if (request.VcpusNumberLive is null && request.MemoryTargetLive is null)
        {
            return;
        }

        if (vm.PowerState != "Running")
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: vcpus_number_live and memory_target_live change a running guest.");
        }

        if (request.VcpusNumberLive > vm.VcpusMax)
        {
            throw new InvalidArgumentException($"vcpus_number_live ({request.VcpusNumberLive}) exceeds the guest's vcpus_max ({vm.VcpusMax}).");
        }

        if (request.MemoryTargetLive is { } target && (GuestMapping.Bytes(target) < vm.MemoryStaticMin || GuestMapping.Bytes(target) > vm.MemoryStaticMax))
        {
            throw new InvalidArgumentException($"memory_target_live ({target} MiB) must lie within the guest's static range ({vm.MemoryStaticMin / BytesPerMiB} to {vm.MemoryStaticMax / BytesPerMiB} MiB).");
        }
    }

    /// <summary>VCPUs_max and VCPUs_at_startup in the order xapi accepts (at_startup ≤ max at every step); each undone in reverse.</summary>
    private async Task ChangeCpusAsync(string vmRef, VmRecord vm, long atStartup, long max, Reverter undo, CancellationToken cancellationToken)
    {
        async Task SetMax(long value, long previous)
        {
            if (value != previous)
            {
                await Call.SetVcpusMax(vmRef, value, cancellationToken);
                undo.Add($"vCPUs_max of {vm.NameLabel}", async () => await Call.SetVcpusMax(vmRef, previous, CancellationToken.None));
            }
        }

        async Task SetAtStartup(long value, long previous)
        {
            if (value != previous)
            {
                await Call.SetVcpusAtStartup(vmRef, value, cancellationToken);
                undo.Add($"vCPUs_at_startup of {vm.NameLabel}", async () => await Call.SetVcpusAtStartup(vmRef, previous, CancellationToken.None));
            }
        }

        if (max >= vm.VcpusMax)
        {
            await SetMax(max, vm.VcpusMax);
            await SetAtStartup(atStartup, vm.VcpusAtStartup);
        }
        else
        {
            await SetAtStartup(atStartup, vm.VcpusAtStartup);
            await SetMax(max, vm.VcpusMax);
        }
    }

    /// <summary>weight and cap merged into VCPUs_params (the original's update of the map), read at the next boot.</summary>
    private async Task ChangeVcpuSettingsAsync(string vmRef, VmRecord vm, VcpuSettings settings, Reverter undo, CancellationToken cancellationToken)
    {
        var merged = new Dictionary<string, string>(vm.VcpusParams);
        if (settings.Weight is { } weight)
        {
            merged["weight"] = weight.ToString(CultureInfo.InvariantCulture);
        }

        if (settings.Cap is { } cap)
        {
            merged["cap"] = cap.ToString(CultureInfo.InvariantCulture);
        }

        await Call.SetVcpusParams(vmRef, XenApiCalls.Map(merged), cancellationToken);
        undo.Add($"VCPUs_params of {vm.NameLabel}", async () => await Call.SetVcpusParams(vmRef, XenApiCalls.Map(vm.VcpusParams), CancellationToken.None));
    }

    /// <summary>
    /// A paravirtualized boot (domain type pv, PV_args) or a fully virtualized one (hvm, no PV_args,
    /// a boot order when it has none: the original's "dc"). VM.set_domain_type where the pool has
    /// it (its VMs carry domain_type, since XenServer 7.5); before that, HVM_boot_policy.
    /// </summary>
    private async Task ChangeBootAsync(string vmRef, VmRecord vm, Paravirtualization boot, Reverter undo, CancellationToken cancellationToken)
    {
        if (vm.DomainType.Length > 0)
        {
            await Call.SetDomainType(vmRef, boot.Enabled ? "pv" : "hvm", cancellationToken);
            undo.Add($"domain type of {vm.NameLabel}", async () =>
            {
                // "unspecified" is not a value set_domain_type takes: the policy it was derived from is.
                if (vm.DomainType is "pv" or "hvm" or "pv_in_pvh" or "pvh")
                {
                    await Call.SetDomainType(vmRef, vm.DomainType, CancellationToken.None);
                }
                else
                {
                    await Call.SetHvmBootPolicy(vmRef, vm.HvmBootPolicy, CancellationToken.None);
                }
            });
        }
        else
        {
            await Call.SetHvmBootPolicy(vmRef, boot.Enabled ? "" : "BIOS order", cancellationToken);
            undo.Add($"boot policy of {vm.NameLabel}", async () => await Call.SetHvmBootPolicy(vmRef, vm.HvmBootPolicy, CancellationToken.None));
        }

        await Call.SetPvArgs(vmRef, boot.Enabled ? boot.KernelArgs ?? DefaultPvArgs : "", cancellationToken);
        undo.Add($"PV_args of {vm.NameLabel}", async () => await Call.SetPvArgs(vmRef, vm.PvArgs, CancellationToken.None));
        if (!boot.Enabled && !vm.HvmBootParams.ContainsKey("order"))
        {
            await Call.SetHvmBootParams(vmRef, XenApiCalls.Map(new Dictionary<string, string>(vm.HvmBootParams) { ["order"] = "dc" }), cancellationToken);
            undo.Add($"HVM_boot_params of {vm.NameLabel}", async () => await Call.SetHvmBootParams(vmRef, XenApiCalls.Map(vm.HvmBootParams), CancellationToken.None));
        }
    }
}
