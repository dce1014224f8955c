using System.Globalization;
using System.Xml.Linq;
using Simplestack.Drivers.Conformance;
using Simplestack.Drivers.VSphere.Tests.Vcsim;
using static Simplestack.Drivers.VSphere.Tests.Vcsim.VimSoap;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>
/// Reads vcsim beside the driver under test, through the tests' own by-hand SOAP client
/// (<see cref="VimSoap"/>, which shares no code with the driver) in a session of its own, and
/// through the datastore folders vcsim writes on this machine (each disk a real .vmdk file).
/// </summary>
internal sealed partial class VcsimProbe : IHypervisorProbe, IDisposable
{
    private readonly VcsimProcess _vcsim;
    private readonly VimSoap _soap;
    private readonly XElement _content;

    public VcsimProbe(VcsimProcess vcsim)
    {
        _vcsim = vcsim;
        _soap = new VimSoap(vcsim);
        _content = _soap.ServiceContentAsync(CancellationToken.None).GetAwaiter().GetResult();
        var (status, _) = _soap.LoginAsync(_content, vcsim.User, vcsim.Password, CancellationToken.None).GetAwaiter().GetResult();
        if (status != System.Net.HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The probe could not log in to vcsim: HTTP {(int)status}.");
        }
    }

    public bool GuestExists(string name) => FindVm(name) is not null;

    public ProbedPower Power(string name) => NativeState(name) switch
    {
        "poweredOn" => ProbedPower.Running,
        "poweredOff" => ProbedPower.Stopped,
        "suspended" => ProbedPower.Paused,
        _ => ProbedPower.Other,
    };

    public string NativeState(string name) => Property(name, "runtime.powerState").Value;

    public long DefinedMemoryMiB(string name) => long.Parse(Property(name, "config.hardware.memoryMB").Value, CultureInfo.InvariantCulture);

    public int DefinedCpus(string name) => int.Parse(Property(name, "config.hardware.numCPU").Value, CultureInfo.InvariantCulture);

    /// <summary>
    /// vSphere has one definition: live or not, the VM's devices. A disk's id is its controller's
    /// bus and its unit (<c>0:1</c> on SCSI, <c>ide0:1</c>... elsewhere), read from the controller devices.
    /// </summary>
    public IReadOnlyList<ProbedDisk> Disks(string name, bool live = false)
    {
        var devices = Devices(name).ToList();
        var buses = devices.Where(d => d.Element(Vim + "busNumber") is not null).ToDictionary(d => d.Element(Vim + "key")!.Value, d => (
            Kind: XsiType(d) switch
            {
                "VirtualIDEController" => "ide",
                "VirtualAHCIController" => "sata",
                "VirtualNVMEController" => "nvme",
                var type when type!.Contains("SCSI", StringComparison.Ordinal) || type.Contains("Logic", StringComparison.Ordinal) => "",
                _ => "other",
            },
            Bus: d.Element(Vim + "busNumber")!.Value));
        return [.. devices.Where(d => XsiType(d) == "VirtualDisk").Select(d =>
        {
            var controller = buses[d.Element(Vim + "controllerKey")!.Value];
            return new ProbedDisk(
                $"{controller.Kind}{controller.Bus}:{d.Element(Vim + "unitNumber")?.Value}",
                d.Element(Vim + "backing")?.Element(Vim + "fileName")?.Value,
                d.Element(Vim + "capacityInBytes") is { } bytes && long.Parse(bytes.Value, CultureInfo.InvariantCulture) > 0
                    ? long.Parse(bytes.Value, CultureInfo.InvariantCulture)
                    : long.Parse(d.Element(Vim + "capacityInKB")!.Value, CultureInfo.InvariantCulture) * 1024);
        })];
    }

    /// <summary>The first CD-ROM and the file it holds (null when none: an empty drive has a device backing).</summary>
    public ProbedMedia? Media(string name)
        => Devices(name).FirstOrDefault(d => XsiType(d) == "VirtualCdrom") is { } cdrom
            ? new ProbedMedia(cdrom.Element(Vim + "backing")?.Element(Vim + "fileName")?.Value)
            : null;

    /// <summary>A NIC's network: a standard backing's deviceName, or the name of the distributed port group its port is in.</summary>
    public IReadOnlyList<ProbedNic> Nics(string name)
    {
        var cards = NicDevices(name);
        var distributed = cards.Any(c => c.Element(Vim + "backing")?.Element(Vim + "port") is not null)
            ? Retrieve("DistributedVirtualPortgroup", "name", "key").ToDictionary(p => p.Props["key"].Value, p => p.Props["name"].Value)
            : [];
        return [.. cards.Select(d => new ProbedNic(
            d.Element(Vim + "macAddress")!.Value.ToLowerInvariant(),
            d.Element(Vim + "backing")?.Element(Vim + "deviceName")?.Value
                ?? distributed.GetValueOrDefault(d.Element(Vim + "backing")?.Element(Vim + "port")?.Element(Vim + "portgroupKey")?.Value ?? ""),
            null))];
    }

    /// <summary>A VM's (or template's) ethernet cards as vcsim describes them, in device order.</summary>
    public IReadOnlyList<XElement> NicDevices(string name) => [.. AnyVmDevices(name).Where(d => d.Element(Vim + "macAddress") is not null)];

    /// <summary>The original kept tags in the annotation, one a line.</summary>
    public IReadOnlyList<string> Tags(string name, bool live = false)
        => [.. (FindVm(name)?.GetValueOrDefault("config.annotation")?.Value ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    public IReadOnlyList<string> SnapshotNames(string guestName)
    {
        var tree = FindVm(guestName)?.GetValueOrDefault("snapshot");
        return tree is null ? [] : [.. tree.Descendants(Vim + "name").Select(n => n.Value).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// A standard port group as the first host that has it says (its vSwitch is both the bridge and
    /// the switch the API's from_network names; VLAN 0 is none), else a distributed one by name.
    /// </summary>
    public ProbedNetwork? Network(string name)
    {
        if (HostPortGroups(name).FirstOrDefault() is { } spec)
        {
            var vlan = int.Parse(spec.Element(Vim + "vlanId")!.Value, CultureInfo.InvariantCulture);
            var vswitch = spec.Element(Vim + "vswitchName")!.Value;
            return new ProbedNetwork(true, true, true, vswitch, vlan == 0 ? null : vlan, vswitch);
        }

        return Retrieve("Network", "name").Any(n => n.Props["name"].Value == name) ? new ProbedNetwork(true, true, true, null, null, null) : null;
    }

    /// <summary>The <c>HostPortGroupSpec</c> of port group <paramref name="name"/> on each host that has it (HostNetworkSystem.networkInfo).</summary>
    public IReadOnlyList<XElement> HostPortGroups(string name)
        => [.. Retrieve("HostSystem", "configManager.networkSystem")
            .Select(h => RetrieveOneAsync(h.Props["configManager.networkSystem"], "networkInfo").GetAwaiter().GetResult())
            .SelectMany(info => info?.Elements(Vim + "portgroup") ?? [])
            .Select(p => p.Element(Vim + "spec")!)
            .Where(spec => spec.Element(Vim + "name")?.Value == name)];

    /// <summary>A distributed switch's uuid, which a card's port backing names.</summary>
    public string DvsUuid(string name)
        => Retrieve("DistributedVirtualSwitch", "name", "uuid").Single(d => d.Props["name"].Value == name).Props["uuid"].Value;

    /// <summary>Adds a distributed port group with VLAN <paramref name="vlan"/> to switch <paramref name="switchName"/> (AddDVPortgroup_Task).</summary>
    public void AddDistributedPortGroup(string switchName, string name, int vlan)
    {
        var ct = CancellationToken.None;
        var view = _soap.InvokeAsync(Method("CreateContainerView", Ref("_this", _content.Element(Vim + "viewManager")!),
            Ref("container", _content.Element(Vim + "rootFolder")!), new XElement(Vim + "type", "DistributedVirtualSwitch"), new XElement(Vim + "recursive", "true")), ct)
            .GetAwaiter().GetResult().Single();
        var switches = _soap.InvokeAsync(Method("RetrievePropertiesEx", Ref("_this", _content.Element(Vim + "propertyCollector")!),
            new XElement(Vim + "specSet",
                new XElement(Vim + "propSet", new XElement(Vim + "type", "DistributedVirtualSwitch"), new XElement(Vim + "pathSet", "name")),
                new XElement(Vim + "objectSet", Ref("obj", view), new XElement(Vim + "skip", "true"),
                    new XElement(Vim + "selectSet", new XAttribute(Xsi + "type", "TraversalSpec"),
                        new XElement(Vim + "type", "ContainerView"), new XElement(Vim + "path", "view"), new XElement(Vim + "skip", "false")))),
            new XElement(Vim + "options")), ct).GetAwaiter().GetResult();
        var dvs = switches.SelectMany(r => r.Elements(Vim + "objects")).Single(o => o.Descendants(Vim + "val").Single().Value == switchName).Element(Vim + "obj")!;
        _soap.InvokeAsync(Method("AddDVPortgroup_Task", Ref("_this", dvs),
            new XElement(Vim + "spec",
                new XElement(Vim + "name", name),
                new XElement(Vim + "defaultPortConfig", new XAttribute(Xsi + "type", "VMwareDVSPortSetting"),
                    new XElement(Vim + "vlan", new XAttribute(Xsi + "type", "VmwareDistributedVirtualSwitchVlanIdSpec"),
                        new XElement(Vim + "inherited", "false"), new XElement(Vim + "vlanId", vlan.ToString(CultureInfo.InvariantCulture)))),
                new XElement(Vim + "type", "earlyBinding"))), ct).GetAwaiter().GetResult();
        for (var tries = 0; tries < 50 && !Retrieve("DistributedVirtualPortgroup", "name").Any(p => p.Props["name"].Value == name); tries++)
        {
            Thread.Sleep(100);
        }
    }

    /// <summary>A VM's (or template's) disks as vcsim describes them, in device order.</summary>
    public IReadOnlyList<XElement> DiskDevices(string name) => [.. AnyVmDevices(name).Where(d => XsiType(d) == "VirtualDisk")];

    private IEnumerable<XElement> AnyVmDevices(string name)
        => Retrieve("VirtualMachine", "name", "config.hardware.device").Single(vm => vm.Props["name"].Value == name).Props["config.hardware.device"].Elements();

    /// <summary>Every VM's name, templates included, for tests that check nothing was left behind.</summary>
    public IReadOnlyList<string> AllVmNames() => [.. Retrieve("VirtualMachine", "name").Select(vm => vm.Props["name"].Value).Order(StringComparer.Ordinal)];

    /// <summary>Marks the (powered-off) VM <paramref name="name"/> as a template and answers its config.uuid.</summary>
    public string MarkAsTemplate(string name)
    {
        var vm = Retrieve("VirtualMachine", "name", "config.uuid").Single(v => v.Props["name"].Value == name);
        _soap.InvokeAsync(Method("MarkAsTemplate", Ref("_this", "VirtualMachine", vm.Id)), CancellationToken.None).GetAwaiter().GetResult();
        return vm.Props["config.uuid"].Value;
    }

    /// <summary>One property of one managed object that is not in the inventory tree (a HostNetworkSystem).</summary>
    private async Task<XElement?> RetrieveOneAsync(XElement reference, string path)
    {
        var answer = await _soap.InvokeAsync(Method("RetrievePropertiesEx", Ref("_this", _content.Element(Vim + "propertyCollector")!),
            new XElement(Vim + "specSet",
                new XElement(Vim + "propSet", new XElement(Vim + "type", reference.Attribute("type")!.Value), new XElement(Vim + "pathSet", path)),
                new XElement(Vim + "objectSet", Ref("obj", reference), new XElement(Vim + "skip", "false"))),
            new XElement(Vim + "options")), CancellationToken.None);
        return answer.SelectMany(r => r.Elements(Vim + "objects")).SelectMany(o => o.Elements(Vim + "propSet")).Select(p => p.Element(Vim + "val")).FirstOrDefault();
    }

    /// <summary>
    /// The volumes on the datastores, as datastore paths (<c>[LocalDS_0] vm/vm.vmdk</c>, the paths
    /// vSphere shows): every .vmdk descriptor and .iso in vcsim's datastore folders (a disk is its
    /// descriptor and its <c>-flat.vmdk</c> data extent, one volume), each datastore's folder read
    /// from its <c>info.url</c>.
    /// </summary>
    public IReadOnlyList<string> VolumePaths()
        => [.. DatastoreUrls()
            .Where(d => Directory.Exists(d.Url))
            .SelectMany(d => Directory.EnumerateFiles(d.Url, "*", SearchOption.AllDirectories)
                .Where(path => (path.EndsWith(".vmdk", StringComparison.Ordinal) && !path.EndsWith("-flat.vmdk", StringComparison.Ordinal))
                               || path.EndsWith(".iso", StringComparison.Ordinal))
                .Select(path => $"[{d.Name}] {Path.GetRelativePath(d.Url, path).Replace('\\', '/')}"))
            .Order(StringComparer.Ordinal)];

    /// <summary>A file of <paramref name="bytes"/> at the root of the first datastore; its datastore path.</summary>
    public string CreateVolume(string name, long bytes)
    {
        var datastore = DatastoreUrls().OrderBy(d => d.Name, StringComparer.Ordinal).First();
        using var file = File.Create(Path.Combine(datastore.Url, name));
        file.SetLength(bytes);
        return $"[{datastore.Name}] {name}";
    }

    /// <summary>Deletes a volume by datastore path (a disk's -flat extent too).</summary>
    public void DeleteVolume(string path)
    {
        var local = LocalPath(path);
        if (!Directory.Exists(Path.GetDirectoryName(local)))
        {
            return;
        }

        File.Delete(local);
        if (local.EndsWith(".vmdk", StringComparison.Ordinal))
        {
            File.Delete(local[..^5] + "-flat.vmdk");
        }
    }

    /// <summary>The file on this machine behind a datastore path.</summary>
    public string LocalPath(string datastorePath)
    {
        var close = datastorePath.IndexOf(']', StringComparison.Ordinal);
        var datastore = DatastoreUrls().Single(d => d.Name == datastorePath[1..close]);
        return Path.Combine(datastore.Url, datastorePath[(close + 1)..].Trim());
    }

    private List<(string Name, string Url)> DatastoreUrls()
        => [.. Retrieve("Datastore", "name", "info.url").Select(d => (d.Props["name"].Value, d.Props["info.url"].Value))];

    public void Dispose() => _soap.Dispose();

    private XElement Property(string name, string path)
        => (FindVm(name) ?? throw new InvalidOperationException($"vcsim has no VM named '{name}'.")).GetValueOrDefault(path)
           ?? throw new InvalidOperationException($"vcsim's VM '{name}' has no {path}.");

    /// <summary>The VM's devices as vcsim holds them (for the vmware-specific tests).</summary>
    public IEnumerable<XElement> Devices(string name) => Property(name, "config.hardware.device").Elements();

    /// <summary>A device's <c>xsi:type</c> without its prefix.</summary>
    public static string? TypeOf(XElement device) => XsiType(device);

    private Dictionary<string, XElement>? FindVm(string name)
        => Retrieve("VirtualMachine", "name", "config.template", "runtime.powerState", "config.hardware.memoryMB", "config.hardware.numCPU",
                "config.hardware.device", "config.annotation", "snapshot")
            .Where(vm => vm.Props["name"].Value == name && vm.Props.GetValueOrDefault("config.template")?.Value != "true")
            .Select(vm => vm.Props)
            .SingleOrDefault();

    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    private static string? XsiType(XElement element)
        => ((string?)element.Attribute(XNamespace.Get("http://www.w3.org/2001/XMLSchema-instance") + "type"))?.Split(':')[^1];

    /// <summary>Every object of <paramref name="type"/> under the root folder: one ContainerView, one RetrievePropertiesEx.</summary>
    private List<(string Id, Dictionary<string, XElement> Props)> Retrieve(string type, params string[] paths)
        => RetrieveAsync(type, paths).GetAwaiter().GetResult();

    private async Task<List<(string Id, Dictionary<string, XElement> Props)>> RetrieveAsync(string type, string[] paths)
    {
        var ct = CancellationToken.None;
        var view = (await _soap.InvokeAsync(Method("CreateContainerView", Ref("_this", _content.Element(Vim + "viewManager")!),
            Ref("container", _content.Element(Vim + "rootFolder")!), new XElement(Vim + "type", type), new XElement(Vim + "recursive", "true")), ct)).Single();
        var answer = await _soap.InvokeAsync(Method("RetrievePropertiesEx", Ref("_this", _content.Element(Vim + "propertyCollector")!),
            new XElement(Vim + "specSet",
                new XElement(Vim + "propSet", new XElement(Vim + "type", type), paths.Select(p => new XElement(Vim + "pathSet", p))),
                new XElement(Vim + "objectSet", Ref("obj", view), new XElement(Vim + "skip", "true"),
                    new XElement(Vim + "selectSet", new XAttribute(XNamespace.Get("http://www.w3.org/2001/XMLSchema-instance") + "type", "TraversalSpec"),
                        new XElement(Vim + "type", "ContainerView"), new XElement(Vim + "path", "view"), new XElement(Vim + "skip", "false")))),
            new XElement(Vim + "options")), ct);
        await _soap.InvokeAsync(Method("DestroyView", Ref("_this", view)), ct);
        // vcsim answers every object in one page for these inventories (no token), so no paging here.
        return [.. answer.SelectMany(r => r.Elements(Vim + "objects")).Select(o => (
            o.Element(Vim + "obj")!.Value,
            o.Elements(Vim + "propSet").ToDictionary(p => p.Element(Vim + "name")!.Value, p => p.Element(Vim + "val")!)))];
    }
}
