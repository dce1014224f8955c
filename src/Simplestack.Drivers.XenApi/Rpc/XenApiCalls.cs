using System.Text.Json.Nodes;

namespace Simplestack.Drivers.XenApi.Rpc;

/// <summary>The XenAPI calls the driver makes, typed: one line each, so the list is the driver's whole wire vocabulary.</summary>
internal readonly struct XenApiCalls(XenApiSession session)
{
    private static XenApiJson J => XenApiJson.Default;

    // ---- bulk reads ----
    public Task<Dictionary<string, PoolRecord>> AllPools(CancellationToken ct) => session.CallAsync("pool.get_all_records", J.DictionaryStringPoolRecord, ct);
    public Task<Dictionary<string, HostRecord>> AllHosts(CancellationToken ct) => session.CallAsync("host.get_all_records", J.DictionaryStringHostRecord, ct);
    public Task<Dictionary<string, HostMetricsRecord>> AllHostMetrics(CancellationToken ct) => session.CallAsync("host_metrics.get_all_records", J.DictionaryStringHostMetricsRecord, ct);
    public Task<Dictionary<string, VmRecord>> AllVms(CancellationToken ct) => session.CallAsync("VM.get_all_records", J.DictionaryStringVmRecord, ct);
    public Task<Dictionary<string, GuestMetricsRecord>> AllGuestMetrics(CancellationToken ct) => session.CallAsync("VM_guest_metrics.get_all_records", J.DictionaryStringGuestMetricsRecord, ct);
    public Task<Dictionary<string, VbdRecord>> AllVbds(CancellationToken ct) => session.CallAsync("VBD.get_all_records", J.DictionaryStringVbdRecord, ct);
    public Task<Dictionary<string, VdiRecord>> AllVdis(CancellationToken ct) => session.CallAsync("VDI.get_all_records", J.DictionaryStringVdiRecord, ct);
    public Task<Dictionary<string, SrRecord>> AllSrs(CancellationToken ct) => session.CallAsync("SR.get_all_records", J.DictionaryStringSrRecord, ct);
    public Task<Dictionary<string, PbdRecord>> AllPbds(CancellationToken ct) => session.CallAsync("PBD.get_all_records", J.DictionaryStringPbdRecord, ct);
    public Task<Dictionary<string, NetworkRecord>> AllNetworks(CancellationToken ct) => session.CallAsync("network.get_all_records", J.DictionaryStringNetworkRecord, ct);
    public Task<Dictionary<string, PifRecord>> AllPifs(CancellationToken ct) => session.CallAsync("PIF.get_all_records", J.DictionaryStringPifRecord, ct);

    // ---- events ----
    /// <summary>What changed since <paramref name="token"/> (everything, as add, from ""), answered at once.</summary>
    public Task<EventBatch> EventsSince(JsonArray classes, string token, CancellationToken ct) => session.CallAsync("event.from", J.EventBatch, ct, classes, token, 0.0);

    /// <summary>The same, waiting up to <paramref name="wait"/> for a change, outside the call policy's slots.</summary>
    public Task<EventBatch> WaitForEvents(JsonArray classes, string token, TimeSpan wait, TimeSpan limit, CancellationToken ct)
        => session.WaitingCallAsync("event.from", J.EventBatch, limit, ct, classes, token, wait.TotalSeconds);

    // ---- single objects ----
    public Task<string> VmByUuid(string uuid, CancellationToken ct) => session.CallAsync("VM.get_by_uuid", J.String, ct, uuid);
    public Task<List<string>> VmsByName(string name, CancellationToken ct) => session.CallAsync("VM.get_by_name_label", J.ListString, ct, name);
    public Task<VmRecord> Vm(string vm, CancellationToken ct) => session.CallAsync("VM.get_record", J.VmRecord, ct, vm);
    public Task<string> PowerState(string vm, CancellationToken ct) => session.CallAsync("VM.get_power_state", J.String, ct, vm);
    public Task<GuestMetricsRecord> GuestMetrics(string metrics, CancellationToken ct) => session.CallAsync("VM_guest_metrics.get_record", J.GuestMetricsRecord, ct, metrics);
    public Task<VbdRecord> Vbd(string vbd, CancellationToken ct) => session.CallAsync("VBD.get_record", J.VbdRecord, ct, vbd);
    public Task<VdiRecord> Vdi(string vdi, CancellationToken ct) => session.CallAsync("VDI.get_record", J.VdiRecord, ct, vdi);
    public Task<string> HostName(string host, CancellationToken ct) => session.CallAsync("host.get_name_label", J.String, ct, host);
    public Task<string> NetworkByUuid(string uuid, CancellationToken ct) => session.CallAsync("network.get_by_uuid", J.String, ct, uuid);
    public Task<NetworkRecord> Network(string network, CancellationToken ct) => session.CallAsync("network.get_record", J.NetworkRecord, ct, network);
    public Task<ConsoleRecord> Console(string console, CancellationToken ct) => session.CallAsync("console.get_record", J.ConsoleRecord, ct, console);
    public Task<PifRecord> Pif(string pif, CancellationToken ct) => session.CallAsync("PIF.get_record", J.PifRecord, ct, pif);

    // ---- power ----
    public Task Start(string vm, CancellationToken ct) => session.CallAsync("VM.start", ct, vm, false, false);
    public Task CleanShutdown(string vm, CancellationToken ct) => session.CallAsync("VM.clean_shutdown", ct, vm);
    public Task HardShutdown(string vm, CancellationToken ct) => session.CallAsync("VM.hard_shutdown", ct, vm);
    public Task Pause(string vm, CancellationToken ct) => session.CallAsync("VM.pause", ct, vm);
    public Task Unpause(string vm, CancellationToken ct) => session.CallAsync("VM.unpause", ct, vm);
    public Task Resume(string vm, CancellationToken ct) => session.CallAsync("VM.resume", ct, vm, false, false);
    public Task CleanReboot(string vm, CancellationToken ct) => session.CallAsync("VM.clean_reboot", ct, vm);
    public Task HardReboot(string vm, CancellationToken ct) => session.CallAsync("VM.hard_reboot", ct, vm);

    // ---- tags ----
    public Task<List<string>> Tags(string vm, CancellationToken ct) => session.CallAsync("VM.get_tags", J.ListString, ct, vm);
    public Task AddTag(string vm, string tag, CancellationToken ct) => session.CallAsync("VM.add_tags", ct, vm, tag);
    public Task RemoveTag(string vm, string tag, CancellationToken ct) => session.CallAsync("VM.remove_tags", ct, vm, tag);

    // ---- snapshots ----
    public Task<string> Snapshot(string vm, string name, CancellationToken ct) => session.CallAsync("VM.snapshot", J.String, ct, vm, name);
    public Task<string> Checkpoint(string vm, string name, CancellationToken ct) => session.CallAsync("VM.checkpoint", J.String, ct, vm, name);
    public Task<List<string>> Snapshots(string vm, CancellationToken ct) => session.CallAsync("VM.get_snapshots", J.ListString, ct, vm);
    public Task Revert(string snapshot, CancellationToken ct) => session.CallAsync("VM.revert", ct, snapshot);

    // ---- guest lifecycle ----
    public Task<string> Clone(string vm, string name, CancellationToken ct) => session.CallAsync("VM.clone", J.String, ct, vm, name);
    public Task Provision(string vm, CancellationToken ct) => session.CallAsync("VM.provision", ct, vm);
    public Task SetIsATemplate(string vm, bool value, CancellationToken ct) => session.CallAsync("VM.set_is_a_template", ct, vm, value);
    public Task SetNameLabel(string vm, string name, CancellationToken ct) => session.CallAsync("VM.set_name_label", ct, vm, name);
    public Task SetMemoryLimits(string vm, long staticMin, long staticMax, long dynamicMin, long dynamicMax, CancellationToken ct)
        => session.CallAsync("VM.set_memory_limits", ct, vm, staticMin, staticMax, dynamicMin, dynamicMax);
    public Task SetMemoryDynamicRange(string vm, long min, long max, CancellationToken ct) => session.CallAsync("VM.set_memory_dynamic_range", ct, vm, min, max);
    public Task SetVcpusMax(string vm, long count, CancellationToken ct) => session.CallAsync("VM.set_VCPUs_max", ct, vm, count);
    public Task SetVcpusAtStartup(string vm, long count, CancellationToken ct) => session.CallAsync("VM.set_VCPUs_at_startup", ct, vm, count);
    public Task SetVcpusNumberLive(string vm, long count, CancellationToken ct) => session.CallAsync("VM.set_VCPUs_number_live", ct, vm, count);
    public Task SetVcpusParams(string vm, JsonObject parameters, CancellationToken ct) => session.CallAsync("VM.set_VCPUs_params", ct, vm, parameters);
    public Task SetHaRestartPriority(string vm, string priority, CancellationToken ct) => session.CallAsync("VM.set_ha_restart_priority", ct, vm, priority);
    public Task SetDomainType(string vm, string type, CancellationToken ct) => session.CallAsync("VM.set_domain_type", ct, vm, type);
    public Task SetHvmBootPolicy(string vm, string policy, CancellationToken ct) => session.CallAsync("VM.set_HVM_boot_policy", ct, vm, policy);
    public Task SetHvmBootParams(string vm, JsonObject parameters, CancellationToken ct) => session.CallAsync("VM.set_HVM_boot_params", ct, vm, parameters);
    public Task SetPvArgs(string vm, string args, CancellationToken ct) => session.CallAsync("VM.set_PV_args", ct, vm, args);
    public Task DestroyVm(string vm, CancellationToken ct) => session.CallAsync("VM.destroy", ct, vm);
    public Task DestroyVdi(string vdi, CancellationToken ct) => session.CallAsync("VDI.destroy", ct, vdi);

    // ---- network interfaces ----
    public Task<VifRecord> Vif(string vif, CancellationToken ct) => session.CallAsync("VIF.get_record", J.VifRecord, ct, vif);
    public Task<string> CreateVif(JsonObject record, CancellationToken ct) => session.CallAsync("VIF.create", J.String, ct, record);
    public Task DestroyVif(string vif, CancellationToken ct) => session.CallAsync("VIF.destroy", ct, vif);
    public Task PlugVif(string vif, CancellationToken ct) => session.CallAsync("VIF.plug", ct, vif);
    public Task UnplugVif(string vif, CancellationToken ct) => session.CallAsync("VIF.unplug", ct, vif);
    public Task MoveVif(string vif, string network, CancellationToken ct) => session.CallAsync("VIF.move", ct, vif, network);
    public Task SetVifLockingMode(string vif, string mode, CancellationToken ct) => session.CallAsync("VIF.set_locking_mode", ct, vif, mode);
    public Task SetVifIpv4Allowed(string vif, JsonArray addresses, CancellationToken ct) => session.CallAsync("VIF.set_ipv4_allowed", ct, vif, addresses);
    public Task SetVifIpv6Allowed(string vif, JsonArray addresses, CancellationToken ct) => session.CallAsync("VIF.set_ipv6_allowed", ct, vif, addresses);
    public Task SetVifQosType(string vif, string type, CancellationToken ct) => session.CallAsync("VIF.set_qos_algorithm_type", ct, vif, type);
    public Task SetVifQosParams(string vif, JsonObject parameters, CancellationToken ct) => session.CallAsync("VIF.set_qos_algorithm_params", ct, vif, parameters);

    // ---- disks and media ----
    public Task<List<string>> AllowedVbdDevices(string vm, CancellationToken ct) => session.CallAsync("VM.get_allowed_VBD_devices", J.ListString, ct, vm);
    public Task<string> CreateVdi(JsonObject record, CancellationToken ct) => session.CallAsync("VDI.create", J.String, ct, record);
    public Task SetVdiNameLabel(string vdi, string name, CancellationToken ct) => session.CallAsync("VDI.set_name_label", ct, vdi, name);
    public Task ResizeVdi(string vdi, long bytes, CancellationToken ct) => session.CallAsync("VDI.resize", ct, vdi, bytes);
    public Task<string> CreateVbd(JsonObject record, CancellationToken ct) => session.CallAsync("VBD.create", J.String, ct, record);
    public Task PlugVbd(string vbd, CancellationToken ct) => session.CallAsync("VBD.plug", ct, vbd);
    public Task UnplugVbd(string vbd, CancellationToken ct) => session.CallAsync("VBD.unplug", ct, vbd);
    public Task DestroyVbd(string vbd, CancellationToken ct) => session.CallAsync("VBD.destroy", ct, vbd);
    public Task InsertVbd(string vbd, string vdi, CancellationToken ct) => session.CallAsync("VBD.insert", ct, vbd, vdi);
    public Task EjectVbd(string vbd, CancellationToken ct) => session.CallAsync("VBD.eject", ct, vbd);

    // ---- networks ----
    public Task<string> CreateNetwork(JsonObject record, CancellationToken ct) => session.CallAsync("network.create", J.String, ct, record);
    public Task DestroyNetwork(string network, CancellationToken ct) => session.CallAsync("network.destroy", ct, network);
    public Task<List<string>> CreateVlanFromPif(string pif, string network, long tag, CancellationToken ct) => session.CallAsync("pool.create_VLAN_from_PIF", J.ListString, ct, pif, network, tag);
    public Task DestroyVlan(string vlan, CancellationToken ct) => session.CallAsync("VLAN.destroy", ct, vlan);

    // ---- tasks (the HTTP handlers /export and /import report through one the caller makes) ----
    public Task<string> CreateTask(string label, string description, CancellationToken ct) => session.CallAsync("task.create", J.String, ct, label, description);
    public Task<TaskRecord> TaskRecord(string task, CancellationToken ct) => session.CallAsync("task.get_record", J.TaskRecord, ct, task);
    public Task CancelTask(string task, CancellationToken ct) => session.CallAsync("task.cancel", ct, task);
    public Task DestroyTask(string task, CancellationToken ct) => session.CallAsync("task.destroy", ct, task);

    // ---- the Async forms of long work: each answers a task at once, which reports the work's progress ----
    public Task<string> AsyncClone(string vm, string name, CancellationToken ct) => session.CallAsync("Async.VM.clone", J.String, ct, vm, name);
    public Task<string> AsyncProvision(string vm, CancellationToken ct) => session.CallAsync("Async.VM.provision", J.String, ct, vm);
    public Task<string> AsyncSnapshot(string vm, string name, CancellationToken ct) => session.CallAsync("Async.VM.snapshot", J.String, ct, vm, name);
    public Task<string> AsyncCheckpoint(string vm, string name, CancellationToken ct) => session.CallAsync("Async.VM.checkpoint", J.String, ct, vm, name);
    public Task<string> AsyncResizeVdi(string vdi, long bytes, CancellationToken ct) => session.CallAsync("Async.VDI.resize", J.String, ct, vdi, bytes);

    // ---- other_config: where idempotency stamps, claims and ledgers are kept ----
    public Task<List<string>> PoolRefs(CancellationToken ct) => session.CallAsync("pool.get_all", J.ListString, ct);
    public Task<Dictionary<string, string>> PoolOtherConfig(string pool, CancellationToken ct) => session.CallAsync("pool.get_other_config", J.DictionaryStringString, ct, pool);
    public Task AddToPoolOtherConfig(string pool, string key, string value, CancellationToken ct) => session.CallAsync("pool.add_to_other_config", ct, pool, key, value);
    public Task RemoveFromPoolOtherConfig(string pool, string key, CancellationToken ct) => session.CallAsync("pool.remove_from_other_config", ct, pool, key);
    public Task<Dictionary<string, string>> VmOtherConfig(string vm, CancellationToken ct) => session.CallAsync("VM.get_other_config", J.DictionaryStringString, ct, vm);
    public Task AddToVmOtherConfig(string vm, string key, string value, CancellationToken ct) => session.CallAsync("VM.add_to_other_config", ct, vm, key, value);
    public Task RemoveFromVmOtherConfig(string vm, string key, CancellationToken ct) => session.CallAsync("VM.remove_from_other_config", ct, vm, key);

    /// <summary>A string set as XenAPI takes it (a JSON array of strings).</summary>
    public static JsonArray Set(IEnumerable<string> values) => [.. values.Select(v => (JsonNode?)JsonValue.Create(v))];

    /// <summary>A string map as XenAPI takes it (a JSON object of strings).</summary>
    public static JsonObject Map(IReadOnlyDictionary<string, string>? values)
    {
        var map = new JsonObject();
        foreach (var (key, value) in values ?? new Dictionary<string, string>())
        {
            map[key] = value;
        }

        return map;
    }
}
