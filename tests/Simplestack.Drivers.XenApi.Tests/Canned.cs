namespace Simplestack.Drivers.XenApi.Tests;

/// <summary>Records in the shapes xapi answers (xapi-24 recordings: refs, strings for enums, maps as objects).</summary>
internal static class Canned
{
    public const string WebUuid = "3f2b8c1e-0000-4000-8000-000000000001";
    public const string PausedUuid = "3f2b8c1e-0000-4000-8000-000000000002";
    public const string TemplateUuid = "3f2b8c1e-0000-4000-8000-0000000000aa";

    public static string Vm(string uuid, string name, string power, bool template = false, bool snapshot = false, bool dom0 = false,
        string residentOn = "OpaqueRef:NULL", string guestMetrics = "OpaqueRef:NULL", string vbds = "[]", string snapshots = "[]",
        string tags = "[]", string snapshotTime = "19700101T00:00:00Z", string vifs = "[]")
        => $$"""
        {"uuid":"{{uuid}}","name_label":"{{name}}","name_description":"","power_state":"{{power}}",
         "is_a_template":{{Bool(template)}},"is_a_snapshot":{{Bool(snapshot)}},"is_control_domain":{{Bool(dom0)}},
         "snapshot_of":"OpaqueRef:NULL","snapshots":{{snapshots}},"snapshot_time":"{{snapshotTime}}",
         "memory_static_min":"268435456","memory_static_max":"1073741824","memory_dynamic_min":1073741824,"memory_dynamic_max":1073741824,
         "VCPUs_max":"2","VCPUs_at_startup":2,"VCPUs_params":{},"PV_args":"","HVM_boot_policy":"BIOS order","domain_type":"hvm",
         "resident_on":"{{residentOn}}","guest_metrics":"{{guestMetrics}}","metrics":"OpaqueRef:m","VBDs":{{vbds}},"VIFs":{{vifs}},
         "tags":{{tags}},"other_config":{"install-methods":"cdrom"},"allowed_operations":["start"],"current_operations":{} }
        """;

    private static string Bool(bool value) => value ? "true" : "false";

    public static string AllVms => $$"""
        {"OpaqueRef:web":{{Vm(WebUuid, "web1", "Running", residentOn: "OpaqueRef:host1", guestMetrics: "OpaqueRef:gm1", vbds: "[\"OpaqueRef:vbd1\",\"OpaqueRef:vbd-cd\"]", tags: "[\"web\"]")}},
         "OpaqueRef:paused":{{Vm(PausedUuid, "db1", "Paused", residentOn: "OpaqueRef:host1")}},
         "OpaqueRef:tpl":{{Vm(TemplateUuid, "Debian Bookworm 12", "Halted", template: true)}},
         "OpaqueRef:snap":{{Vm("3f2b8c1e-0000-4000-8000-0000000000bb", "before", "Halted", snapshot: true)}},
         "OpaqueRef:dom0":{{Vm("3f2b8c1e-0000-4000-8000-0000000000cc", "Control domain on host: xcp1", "Running", dom0: true, residentOn: "OpaqueRef:host1")}} }
        """;

    public const string AllGuestMetrics = """
        {"OpaqueRef:gm1":{"uuid":"gm-1","os_version":{},"PV_drivers_version":{},"PV_drivers_up_to_date":false,"PV_drivers_detected":true,
          "networks":{"0/ip":"10.1.2.3","0/ipv4/0":"10.1.2.3","0/ipv6/0":"fe80::1"},"other":{},"last_updated":"20261206T08:00:00Z"}}
        """;

    public const string AllVbds = """
        {"OpaqueRef:vbd1":{"uuid":"vbd-1","VM":"OpaqueRef:web","VDI":"OpaqueRef:vdi1","userdevice":"0","type":"Disk","mode":"RW","empty":false,"bootable":true},
         "OpaqueRef:vbd-cd":{"uuid":"vbd-2","VM":"OpaqueRef:web","VDI":"OpaqueRef:iso","userdevice":"3","type":"CD","mode":"RO","empty":false,"bootable":false}}
        """;

    public const string AllVdis = """
        {"OpaqueRef:vdi1":{"uuid":"vdi-1","name_label":"web1 disk","SR":"OpaqueRef:sr1","virtual_size":"10737418240","sharable":false,"VBDs":["OpaqueRef:vbd1"]},
         "OpaqueRef:iso":{"uuid":"vdi-iso","name_label":"tools.iso","SR":"OpaqueRef:isosr","virtual_size":52428800,"sharable":false,"VBDs":["OpaqueRef:vbd-cd"]}}
        """;

    public const string AllHosts = """
        {"OpaqueRef:host1":{"uuid":"host-uuid-1","name_label":"xcp1","hostname":"xcp1","address":"192.0.2.10","metrics":"OpaqueRef:hm1",
          "API_version_major":2,"API_version_minor":21,"software_version":{"product_version":"8.3.0","xen":"4.17.4"},"cpu_info":{"cpu_count":"8"}}}
        """;

    public const string AllHostMetrics = """{"OpaqueRef:hm1":{"uuid":"hm-1","memory_total":"34359738368","memory_free":17179869184,"live":true}}""";

    public const string AllPools = """{"OpaqueRef:pool":{"uuid":"pool-uuid","name_label":"lab","master":"OpaqueRef:host1","default_SR":"OpaqueRef:sr1"}}""";

    public static FakeXapi Pool(FakeXapi? xapi = null) => (xapi ?? new FakeXapi())
        .On("VM.get_all_records", AllVms)
        .On("VM_guest_metrics.get_all_records", AllGuestMetrics)
        .On("VBD.get_all_records", AllVbds)
        .On("VDI.get_all_records", AllVdis)
        .On("host.get_all_records", AllHosts)
        .On("host_metrics.get_all_records", AllHostMetrics)
        .On("pool.get_all_records", AllPools);
}
