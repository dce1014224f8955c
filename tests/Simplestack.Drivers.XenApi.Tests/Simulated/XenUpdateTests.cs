extern alias XenSimulator;

using System.Globalization;
using Simplestack.Core;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// The original's guest_update keys and NIC changes on the simulated pool: each changes the VM or
/// VIF record as xapi would, a refused update changes nothing, and a call that fails part-way
/// undoes the calls before it. web-01 runs; build-01 is halted (2 GiB, 2 vCPUs, one 20 GiB disk).
/// </summary>
public sealed class XenUpdateTests : SimulatedXenTest
{
    private const long MiB = 1024 * 1024;
    private const string Internal = "Host internal management network";

    /// <summary>The simulator's own record of a VM (by name, as the pool holds it, templates included).</summary>
    private IReadOnlyDictionary<string, object?> Vm(string name) => Simulator.Record("VM", Simulator.FindByNameLabel("VM", name).Single())!;

    private static long Long(IReadOnlyDictionary<string, object?> record, string field) => Convert.ToInt64(record[field], CultureInfo.InvariantCulture);

    private static IReadOnlyDictionary<string, object?> Map(IReadOnlyDictionary<string, object?> record, string field) => (IReadOnlyDictionary<string, object?>)record[field]!;

    private (long, long, long, long, long, long) Limits(string name)
    {
        var vm = Vm(name);
        return (Long(vm, "memory_static_min"), Long(vm, "memory_dynamic_min"), Long(vm, "memory_dynamic_max"), Long(vm, "memory_static_max"),
            Long(vm, "VCPUs_at_startup"), Long(vm, "VCPUs_max"));
    }

    [Fact]
    public async Task Memory_limits_and_vcpu_limits_set_the_halted_vms_record()
    {
        var request = new GuestUpdateRequest(Cpus: 3)
        {
            VcpusMax = 8,
            MemoryLimits = new MemoryLimits(StaticMin: 256, StaticMax: 4096, Target: 3072),
        };

        var guest = await Xen.UpdateGuestAsync("build-01", request, Ct);

        Assert.Equal((256 * MiB, 3072 * MiB, 3072 * MiB, 4096 * MiB, 3L, 8L), Limits("build-01"));
        Assert.Equal((3, 3072L), (guest.Cpus, guest.Memory)); // memory reads the target the guest runs with.
        Assert.Equal(Applied.NextBoot, guest.Applied!["cpus"]);

        // Lowering both: VCPUs_at_startup must go down before VCPUs_max (xapi refuses the other order).
        await Xen.UpdateGuestAsync("build-01", new GuestUpdateRequest(Cpus: 1) { VcpusMax = 1 }, Ct);
        Assert.Equal((1L, 1L), (Long(Vm("build-01"), "VCPUs_at_startup"), Long(Vm("build-01"), "VCPUs_max")));
    }

    [Fact]
    public async Task A_count_alone_raises_vcpus_max_only_when_below_it()
    {
        await Xen.UpdateGuestAsync("build-01", new GuestUpdateRequest(Cpus: 1), Ct);
        Assert.Equal((1L, 2L), (Long(Vm("build-01"), "VCPUs_at_startup"), Long(Vm("build-01"), "VCPUs_max")));

        await Xen.UpdateGuestAsync("build-01", new GuestUpdateRequest(Cpus: 6), Ct);
        Assert.Equal((6L, 6L), (Long(Vm("build-01"), "VCPUs_at_startup"), Long(Vm("build-01"), "VCPUs_max")));
    }

    [Fact]
    public async Task Limits_out_of_order_with_the_vm_or_on_a_running_vm_change_nothing()
    {
        var before = Limits("build-01");

        // static_max below the VM's current target (1 to 2 GiB), with no target given: 400.
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Xen.UpdateGuestAsync(
            "build-01", new GuestUpdateRequest(Name: "renamed") { MemoryLimits = new MemoryLimits(StaticMax: 768) }, Ct));
        // vcpus_max below the VM's vcpus_at_startup (2): 400.
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Xen.UpdateGuestAsync(
            "build-01", new GuestUpdateRequest(Name: "renamed") { VcpusMax = 1 }, Ct));
        Assert.Equal(before, Limits("build-01"));
        Assert.Single(Simulator.FindByNameLabel("VM", "build-01"));

        var running = Limits("web-01");
        await Assert.ThrowsAsync<ConflictException>(() => Xen.UpdateGuestAsync(
            "web-01", new GuestUpdateRequest { MemoryLimits = new MemoryLimits(Target: 1024), VcpuSettings = new VcpuSettings(Weight: 512) }, Ct));
        Assert.Equal(running, Limits("web-01"));
        Assert.Empty(Map(Vm("web-01"), "VCPUs_params"));
    }

    [Fact]
    public async Task The_live_keys_change_a_running_vm_and_are_409_on_a_halted_one()
    {
        var guest = await Xen.UpdateGuestAsync("web-01", new GuestUpdateRequest { VcpusNumberLive = 1, MemoryTargetLive = 1536 }, Ct);

        var vm = Vm("web-01");
        Assert.Equal(1L, Long(vm, "VCPUs_at_startup")); // xapi records the live count as the boot count too.
        Assert.Equal(1L, Long(Simulator.Record("VM_metrics", (string)vm["metrics"]!)!, "VCPUs_number"));
        Assert.Equal((1536 * MiB, 1536 * MiB), (Long(vm, "memory_dynamic_min"), Long(vm, "memory_dynamic_max")));
        Assert.Equal(Applied.Live, guest.Applied!["vcpus_number_live"]);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Xen.UpdateGuestAsync("web-01", new GuestUpdateRequest { VcpusNumberLive = 3 }, Ct)); // above VCPUs_max 2
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Xen.UpdateGuestAsync("web-01", new GuestUpdateRequest { MemoryTargetLive = 4096 }, Ct)); // above static_max 2 GiB
        var before = Limits("build-01");
        await Assert.ThrowsAsync<ConflictException>(() => Xen.UpdateGuestAsync("build-01", new GuestUpdateRequest { VcpusNumberLive = 1 }, Ct));
        await Assert.ThrowsAsync<ConflictException>(() => Xen.UpdateGuestAsync("build-01", new GuestUpdateRequest { MemoryTargetLive = 1024 }, Ct));
        Assert.Equal(before, Limits("build-01"));
    }

    [Fact]
    public async Task Vcpu_settings_merge_into_vcpus_params_and_ha_enabled_is_the_best_effort_priority()
    {
        await Xen.UpdateGuestAsync("web-01", new GuestUpdateRequest { VcpuSettings = new VcpuSettings(Weight: 512) }, Ct);
        await Xen.UpdateGuestAsync("web-01", new GuestUpdateRequest { VcpuSettings = new VcpuSettings(Cap: 50), HaEnabled = true }, Ct);

        var vm = Vm("web-01");
        Assert.Equal("512", Map(vm, "VCPUs_params")["weight"]);
        Assert.Equal("50", Map(vm, "VCPUs_params")["cap"]);
        Assert.Equal("best-effort", vm["ha_restart_priority"]);

        await Xen.UpdateGuestAsync("web-01", new GuestUpdateRequest { HaEnabled = false }, Ct);
        Assert.Equal("", Vm("web-01")["ha_restart_priority"]);
    }

    [Fact]
    public async Task Paravirtualized_sets_the_domain_type_and_pv_args_and_false_goes_back_to_hvm()
    {
        var pv = await Xen.UpdateGuestAsync("build-01", new GuestUpdateRequest { Paravirtualized = new Paravirtualization(true) }, Ct);

        var vm = Vm("build-01");
        Assert.Equal(("pv", "-- quiet console=hvc0", ""), ((string)vm["domain_type"]!, (string)vm["PV_args"]!, (string)vm["HVM_boot_policy"]!));
        Assert.True(pv.Paravirtualized);

        await Xen.UpdateGuestAsync("build-01", new GuestUpdateRequest { Paravirtualized = new Paravirtualization(true, "console=hvc0 root=/dev/xvda1") }, Ct);
        Assert.Equal("console=hvc0 root=/dev/xvda1", Vm("build-01")["PV_args"]);

        var hvm = await Xen.UpdateGuestAsync("build-01", new GuestUpdateRequest { Paravirtualized = new Paravirtualization(false) }, Ct);
        vm = Vm("build-01");
        Assert.Equal(("hvm", "", "BIOS order"), ((string)vm["domain_type"]!, (string)vm["PV_args"]!, (string)vm["HVM_boot_policy"]!));
        Assert.Equal("cd", Map(vm, "HVM_boot_params")["order"]); // The VM's own boot order is kept.
        Assert.False(hvm.Paravirtualized);
    }

    [Fact]
    public async Task A_halted_guest_made_a_template_leaves_the_guest_list_and_a_running_one_is_409()
    {
        await Assert.ThrowsAsync<ConflictException>(() => Xen.UpdateGuestAsync("web-01", new GuestUpdateRequest { Template = true, HaEnabled = true }, Ct));
        Assert.Equal((false, ""), ((bool)Vm("web-01")["is_a_template"]!, (string)Vm("web-01")["ha_restart_priority"]!));

        var made = await Xen.UpdateGuestAsync("build-01", new GuestUpdateRequest { Template = true }, Ct);

        Assert.Equal(Applied.Live, made.Applied!["template"]);
        Assert.True((bool)Vm("build-01")["is_a_template"]!);
        Assert.DoesNotContain(await Xen.ListGuestsAsync(Ct), g => g.Name == "build-01");
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Xen.GetGuestAsync("build-01", Ct));
        // A guest is no template: "template": false changes nothing.
        await Xen.UpdateGuestAsync("db-01", new GuestUpdateRequest { Template = false }, Ct);
        Assert.False((bool)Vm("db-01")["is_a_template"]!);
    }

    [Fact]
    public async Task A_failing_disk_grow_undoes_the_name_memory_vcpus_and_boot_changes_made_before_it()
    {
        var before = Limits("build-01");
        var request = new GuestUpdateRequest(Name: "renamed", Cpus: 4, Hdd: 2000) // 2000 GiB: more than the 1 TiB local SR holds.
        {
            VcpusMax = 4,
            MemoryLimits = new MemoryLimits(StaticMax: 4096, Target: 4096),
            Paravirtualized = new Paravirtualization(true),
            VcpuSettings = new VcpuSettings(Weight: 1024),
        };

        var error = await Assert.ThrowsAsync<ConflictException>(() => Xen.UpdateGuestAsync("build-01", request, Ct));

        Assert.Contains("SR_FULL", error.Message, StringComparison.Ordinal);
        Assert.Empty(Simulator.FindByNameLabel("VM", "renamed"));
        Assert.Equal(before, Limits("build-01"));
        var vm = Vm("build-01");
        Assert.Equal(("hvm", "BIOS order", ""), ((string)vm["domain_type"]!, (string)vm["HVM_boot_policy"]!, (string)vm["PV_args"]!));
        Assert.Empty(Map(vm, "VCPUs_params"));
    }

    [Fact]
    public async Task Nic_locking_and_allowed_addresses_are_the_vifs_own_setters_and_active_unplugs_in_place()
    {
        var nic = (await Xen.ListNetworkInterfacesAsync("web-01", Ct)).Single();
        var vifUuid = Simulator.Uuids("VIF").Single(uuid => string.Equals((string)Simulator.Record("VIF", uuid)!["MAC"]!, nic.Mac, StringComparison.OrdinalIgnoreCase));

        var changed = await Xen.UpdateNetworkInterfaceAsync("web-01", nic.Id, new NicUpdateRequest(Network: Internal)
        {
            LockingMode = "locked",
            Ipv4Allowed = ["10.0.0.5", "10.0.0.6"],
            Ipv6Allowed = ["fe80::5"],
            Active = false,
        }, Ct);

        var vif = Simulator.Record("VIF", vifUuid)!; // The same VIF: moved and changed, never destroyed and made again.
        Assert.Equal(("locked", false), ((string)vif["locking_mode"]!, (bool)vif["currently_attached"]!));
        Assert.Equal(["10.0.0.5", "10.0.0.6"], ((IEnumerable<object?>)vif["ipv4_allowed"]!).Cast<string>());
        Assert.Equal((nic.Mac, nic.Number, Internal, false), (changed.Mac, changed.Number, changed.Network, changed.Active));
        Assert.Equal(["fe80::5"], changed.Ipv6Allowed);

        var plugged = await Xen.UpdateNetworkInterfaceAsync("web-01", nic.Id, new NicUpdateRequest { Active = true, Ipv4Allowed = [] }, Ct);
        Assert.Equal(true, plugged.Active);
        Assert.Empty(plugged.Ipv4Allowed);

        var halted = (await Xen.ListNetworkInterfacesAsync("build-01", Ct)).Single();
        await Assert.ThrowsAsync<ConflictException>(() => Xen.UpdateNetworkInterfaceAsync("build-01", halted.Id, new NicUpdateRequest { LockingMode = "locked", Active = true }, Ct));
        Assert.Equal("network_default", (await Xen.GetNetworkInterfaceAsync("build-01", halted.Id, Ct)).LockingMode);
    }
}
