using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Simplestack.Server.Tests.Hostile;
using Simplestack.Drivers.VSphere.Inventory;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Tests.Inventory.CannedVim;

namespace Simplestack.Drivers.VSphere.Tests.Inventory;

/// <summary>
/// What vcsim 0.24.2 cannot show: paged RetrievePropertiesEx (it ignores maxObjects and has no
/// ContinueRetrievePropertiesEx), a server refusing the inventory's collector, a truncated update
/// set; answered from canned SOAP (<see cref="CannedVim"/>). And the records' rules, without a server.
/// </summary>
public sealed class InventoryCannedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_server_refusing_the_collector_is_read_in_bulk_across_every_page_and_after_three_refusals_no_longer_asked()
    {
        var vim = new CannedVim();
        vim.Answer("CreateContainerView", """<returnval type="ContainerView">view-1</returnval>""");
        vim.Answer("DestroyView", "");
        vim.Answer("RetrievePropertiesEx", $"""
            <returnval><token>page-2</token><objects><obj type="VirtualMachine">vm-1</obj>{Vm("propSet", "web", "4c4c4544-0000-0000-0000-000000000001", "host-9")}</objects></returnval>
            """);
        vim.Answer("ContinueRetrievePropertiesEx", request => Value(request, "token") == "page-2"
            ? $"""
              <returnval><token>page-3</token><objects><obj type="VirtualMachine">vm-2</obj>{Vm("propSet", "db", "4c4c4544-0000-0000-0000-000000000002", "host-9")}</objects></returnval>
              """
            : $"""<returnval><objects><obj type="HostSystem">host-9</obj>{Text("propSet", "name", "esx9.example")}</objects></returnval>""");
        await using var connection = await vim.ConnectAsync(Ct);

        for (var i = 0; i < VSphereInventory.Strikes + 2; i++)
        {
            var guests = await connection.ListGuestsAsync(Ct);
            Assert.Equal([("db", "esx9.example"), ("web", "esx9.example")], guests.Select(g => (g.Name, g.Host)));
        }

        Assert.False(connection.Inventory.Enabled);
        Assert.Equal(VSphereInventory.Strikes, vim.Methods.Count(m => m == "CreatePropertyCollector"));
        Assert.Equal(VSphereInventory.Strikes + 2, vim.Methods.Count(m => m == "RetrievePropertiesEx"));
        Assert.Equal(["page-2", "page-3"], vim.Requests("ContinueRetrievePropertiesEx").Take(2).Select(r => Value(r, "token")));
        Assert.Equal(2 * (VSphereInventory.Strikes + 2), vim.Methods.Count(m => m == "ContinueRetrievePropertiesEx"));
        Assert.All(vim.Requests("RetrievePropertiesEx"), r => Assert.Equal("1000", Value(r, "maxObjects")));
    }

    [Fact]
    public async Task A_seed_refused_half_way_destroys_what_it_made_and_the_list_is_read_in_bulk()
    {
        var vim = new CannedVim();
        var views = 0;
        vim.Answer("CreatePropertyCollector", """<returnval type="PropertyCollector">session[1]collector</returnval>""");
        vim.Answer("CreateContainerView", _ => Interlocked.Increment(ref views) == 1 ? Fault("SystemError") : $"""<returnval type="ContainerView">view-{views}</returnval>""");
        vim.Answer("CreateFilter", Fault("InvalidProperty"));
        vim.Answer("DestroyPropertyCollector", "");
        vim.Answer("DestroyView", "");
        vim.Answer("RetrievePropertiesEx", $"""<returnval><objects><obj type="VirtualMachine">vm-1</obj>{Vm("propSet", "web", "4c4c4544-0000-0000-0000-000000000001", "host-9")}</objects></returnval>""");
        await using var connection = await vim.ConnectAsync(Ct);

        Assert.Equal(["web"], (await connection.ListGuestsAsync(Ct)).Select(g => g.Name)); // the view refused
        Assert.Equal(["web"], (await connection.ListGuestsAsync(Ct)).Select(g => g.Name)); // the filter refused

        Assert.Equal(2, vim.Requests("DestroyPropertyCollector").Count);
        Assert.Equal(["view-2", "view-3", "view-4"], vim.Requests("DestroyView").Select(r => Value(r, "_this")));
        Assert.Equal(2, vim.Methods.Count(m => m == "RetrievePropertiesEx"));
        Assert.False(connection.Inventory.IsSeeded);
        Assert.True(connection.Inventory.Enabled);
    }

    [Fact]
    public async Task A_truncated_seed_is_asked_again_at_once_from_its_version_and_disposal_destroys_the_collector_and_view()
    {
        var vim = new CannedVim();
        vim.Answer("CreatePropertyCollector", """<returnval type="PropertyCollector">session[1]collector</returnval>""");
        vim.Answer("CreateContainerView", """<returnval type="ContainerView">view-1</returnval>""");
        vim.Answer("CreateFilter", """<returnval type="PropertyFilter">filter-1</returnval>""");
        vim.Answer("DestroyPropertyCollector", "");
        vim.Answer("DestroyView", "");
        vim.Answer("WaitForUpdatesEx", request => Value(request, "version") switch
        {
            "" => $"""
                <returnval><version>1</version><filterSet><filter type="PropertyFilter">filter-1</filter>
                <objectSet><kind>enter</kind><obj type="VirtualMachine">vm-1</obj>{Vm("changeSet", "web", "4c4c4544-0000-0000-0000-000000000001", "host-9")}</objectSet>
                </filterSet><truncated>true</truncated></returnval>
                """,
            "1" => $"""
                <returnval><version>2</version><filterSet><filter type="PropertyFilter">filter-1</filter>
                <objectSet><kind>enter</kind><obj type="HostSystem">host-9</obj>{Text("changeSet", "name", "esx9.example")}</objectSet>
                <objectSet><kind>enter</kind><obj type="VirtualMachine">vm-2</obj>{Vm("changeSet", "db", "4c4c4544-0000-0000-0000-000000000002", "host-9")}</objectSet>
                </filterSet><truncated>false</truncated></returnval>
                """,
            _ => null, // the loop's wait from version 2: nothing changes
        });
        var connection = await vim.ConnectAsync(Ct);

        var guests = await connection.ListGuestsAsync(Ct);

        Assert.Equal([("db", "esx9.example"), ("web", "esx9.example")], guests.Select(g => (g.Name, g.Host)));
        Assert.Equal(["", "1"], vim.Requests("WaitForUpdatesEx").Take(2).Select(r => Value(r, "version")));
        Assert.Equal("0", Value(vim.Requests("WaitForUpdatesEx")[1], "maxWaitSeconds"));
        Assert.Equal("false", Value(vim.Requests("CreateFilter").Single(), "partialUpdates"));
        Assert.Equal(0, vim.Methods.Count(m => m == "RetrievePropertiesEx"));
        Assert.True(connection.Inventory.IsWatching);

        await connection.DisposeAsync();

        Assert.False(connection.Inventory.IsWatching);
        Assert.Equal("session[1]collector", Value(vim.Requests("DestroyPropertyCollector").Single(), "_this"));
        Assert.Equal("view-1", Value(vim.Requests("DestroyView").Single(), "_this"));
        Assert.Equal("Logout", vim.Methods[^1]);
    }

    [Fact]
    public async Task A_wait_the_server_refuses_is_logged_without_credentials_lists_read_in_bulk_during_the_backoff_then_it_seeds_again()
    {
        using var capture = new LogCapture();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(capture));
        var vim = new CannedVim();
        var refused = 0;
        vim.Answer("CreatePropertyCollector", """<returnval type="PropertyCollector">session[1]collector</returnval>""");
        vim.Answer("CreateContainerView", """<returnval type="ContainerView">view-1</returnval>""");
        vim.Answer("CreateFilter", """<returnval type="PropertyFilter">filter-1</returnval>""");
        vim.Answer("DestroyPropertyCollector", "");
        vim.Answer("DestroyView", "");
        vim.Answer("RetrievePropertiesEx", $"""<returnval><objects><obj type="VirtualMachine">vm-1</obj>{Vm("propSet", "web", "4c4c4544-0000-0000-0000-000000000001", "host-9")}</objects></returnval>""");
        vim.Answer("WaitForUpdatesEx", request => Value(request, "version") switch
        {
            "" => $"""
                <returnval><version>1</version><filterSet><filter type="PropertyFilter">filter-1</filter>
                <objectSet><kind>enter</kind><obj type="VirtualMachine">vm-1</obj>{Vm("changeSet", "web", "4c4c4544-0000-0000-0000-000000000001", "host-9")}</objectSet>
                </filterSet></returnval>
                """,
            _ => Interlocked.Increment(ref refused) == 1 ? Fault("InvalidCollectorVersion") : null,
        });
        await using var connection = await vim.ConnectAsync(Ct, loggers);

        Assert.Equal(["web"], (await connection.ListGuestsAsync(Ct)).Select(g => g.Name));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (connection.Inventory.IsSeeded || vim.Requests("DestroyPropertyCollector").Count == 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "The loop did not give up on a refused wait.");
            await Task.Delay(20, Ct);
        }

        Assert.Equal(["web"], (await connection.ListGuestsAsync(Ct)).Select(g => g.Name)); // within the backoff: in bulk
        Assert.Equal(1, vim.Methods.Count(m => m == "RetrievePropertiesEx"));
        Assert.Equal(1, vim.Methods.Count(m => m == "CreatePropertyCollector"));
        Assert.Equal("session[1]collector", Value(vim.Requests("DestroyPropertyCollector").Single(), "_this"));
        var line = Assert.Single(capture.Lines, l => l.Contains("[410]", StringComparison.Ordinal));
        Assert.Contains("InvalidCollectorVersion", line, StringComparison.Ordinal);
        Assert.Empty(capture.LinesContaining(["s3cret", "canned-session", "vmware_soap_session"]));

        await Task.Delay(TimeSpan.FromSeconds(1.2), Ct);
        Assert.Equal(["web"], (await connection.ListGuestsAsync(Ct)).Select(g => g.Name)); // the backoff passed: seeded again
        Assert.Equal(2, vim.Methods.Count(m => m == "CreatePropertyCollector"));
        Assert.Equal(1, vim.Methods.Count(m => m == "RetrievePropertiesEx"));
        Assert.True(connection.Inventory.IsSeeded);
        Assert.True(connection.Inventory.Enabled);
    }

    [Fact]
    public void Records_follow_enter_modify_and_leave_and_ask_for_a_read_of_what_they_cannot_apply()
    {
        XNamespace ns = "urn:vim25";
        XElement Val(string text) => new(ns + "val", text);
        XElement HostRef(string host) => new(ns + "val", new XAttribute("type", "HostSystem"), host);
        var vm = new MoRef("VirtualMachine", "vm-1");
        var host = new MoRef("HostSystem", "host-1");
        var records = new GuestRecords();

        Assert.Empty(records.Apply([
            new ObjectUpdate("enter", host, [new PropertyChange("name", "assign", Val("esx1"))]),
            new ObjectUpdate("enter", vm, [
                new PropertyChange("name", "assign", Val("web")), new PropertyChange("config.uuid", "assign", Val("u-1")),
                new PropertyChange("runtime.powerState", "assign", Val("poweredOn")), new PropertyChange("runtime.host", "assign", HostRef("host-1")),
                new PropertyChange("guest.ipAddress", "assign", Val("10.0.0.5"))]),
            new ObjectUpdate("enter", new MoRef("ContainerView", "view-1"), []),
        ]));
        Assert.Equal(("web", "STARTED", "esx1", "10.0.0.5"), records.Guests().Select(g => (g.Name, g.State.ToString(), g.Host, g.Ip)).Single());

        // A modify carries only what changed; an absent val or a remove clears the path.
        Assert.Empty(records.Apply([new ObjectUpdate("modify", vm, [
            new PropertyChange("runtime.powerState", "assign", Val("poweredOff")), new PropertyChange("guest.ipAddress", "remove", null)])]));
        Assert.Equal(("web", "STOPPED", "esx1", (string?)null), records.Guests().Select(g => (g.Name, g.State.ToString(), g.Host, g.Ip)).Single());
        Assert.Equal([vm], records.TakeModified());
        Assert.Empty(records.TakeModified());

        // A part of a path (partial updates), an add into a list, a modify of an object never entered: read whole.
        Assert.Equal([vm], records.Apply([new ObjectUpdate("modify", vm, [new PropertyChange("config.hardware.device[4000]", "assign", Val("x"))])]));
        Assert.Equal([vm], records.Apply([new ObjectUpdate("modify", vm, [new PropertyChange("config.hardware.device", "add", Val("x"))])]));
        var stranger = new MoRef("VirtualMachine", "vm-9");
        Assert.Equal([stranger], records.Apply([new ObjectUpdate("modify", stranger, [new PropertyChange("name", "assign", Val("new"))])]));
        records.Replace([stranger], [new ObjectContent(stranger, new Dictionary<string, XElement> { ["name"] = Val("new"), ["config.uuid"] = Val("u-9") })]);
        Assert.Equal(["new", "web"], records.Guests().Select(g => g.Name));

        records.Apply([new ObjectUpdate("leave", vm, []), new ObjectUpdate("leave", host, [])]);
        Assert.Equal(["new"], records.Guests().Select(g => g.Name));
        Assert.Equal(1, records.Count);
    }

    [Fact]
    public void Records_keep_of_a_vms_devices_only_what_the_list_reads_and_the_guest_is_the_same()
    {
        XNamespace ns = "urn:vim25";
        XNamespace xsi = "http://www.w3.org/2001/XMLSchema-instance";
        XElement Device(string type, params object[] content) => new(ns + "VirtualDevice", new XAttribute(xsi + "type", type), new XElement(ns + "key", "1"), content);
        // As an answer brings it: inside the document it came in.
        var answer = new XElement(ns + "returnval", new XElement(ns + "val", new XAttribute(xsi + "type", "ArrayOfVirtualDevice"),
            Device("VirtualDisk", new XElement(ns + "backing", new XElement(ns + "fileName", "[LocalDS_0] web/web.vmdk")), new XElement(ns + "capacityInKB", "1048576"), new XElement(ns + "capacityInBytes", "1073741824")),
            Device("VirtualDisk", new XElement(ns + "capacityInKB", "2097152")),
            Device("VirtualVmxnet3", new XElement(ns + "macAddress", "00:50:56:00:00:01"), new XElement(ns + "backing", new XElement(ns + "deviceName", "VM Network"))),
            Device("VirtualMachineVMIROM"),
            Device("VirtualIDEController", new XElement(ns + "busNumber", "0"))));
        var devices = answer.Element(ns + "val")!;

        var kept = GuestMapping.Kept("config.hardware.device", devices);

        Assert.Null(kept.Parent);
        Assert.Equal(["VirtualDisk", "VirtualDisk", "VirtualMachineVMIROM"], kept.Elements().Select(d => d.Attribute(xsi + "type")!.Value));
        Assert.DoesNotContain("macAddress", kept.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("fileName", kept.ToString(), StringComparison.Ordinal);
        var full = new ObjectContent(new MoRef("VirtualMachine", "vm-1"), new Dictionary<string, XElement>
        {
            ["name"] = new(ns + "val", "web"), ["config.uuid"] = new(ns + "val", "u-1"), ["config.hardware.device"] = devices,
        });
        var trimmed = full with { Properties = new Dictionary<string, XElement>(full.Properties) { ["config.hardware.device"] = kept } };
        Assert.Equal(GuestMapping.ToGuest(full, "esx1"), GuestMapping.ToGuest(trimmed, "esx1"));
        Assert.Equal(3, GuestMapping.ToGuest(trimmed, "esx1").Hdd);
        Assert.True(GuestMapping.ToGuest(trimmed, "esx1").Paravirtualized);
    }
}
