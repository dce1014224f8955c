using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// NICs are the VM's VIFs, named by their MAC (lower case; '-' is accepted for ':'). `network` is
// the network's name_label, as the original answered and as libvirt names its networks; the rate
// limit is VIF QoS "ratelimit" with kbps = bits/8192 (KiB/s: the original's rule, "kbps in xen is
// actually kBps"), read back as XenAPI holds it. Changes use XenAPI's own calls (VIF.move, the QoS,
// locking and allowed-address setters, plug and unplug), never the original's destroy-and-recreate,
// so a NIC keeps its uuid, device and MAC.
public sealed partial class XenApiConnection
{
    private const long BitsPerKibibyte = 8192;
    private const string RateLimitAlgorithm = "ratelimit";

    public async Task<IReadOnlyList<NetworkInterface>> ListNetworkInterfacesAsync(string guestId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var vifs = await VifsAsync(vm, cancellationToken);
        return await DescribeAsync([.. vifs.Select(v => v.Record)], cancellationToken);
    }

    public async Task<NetworkInterface> GetNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var (_, vif) = await FindVifAsync(vm, interfaceId, cancellationToken);
        return (await DescribeAsync([vif], cancellationToken))[0];
    }

    /// <summary>
    /// A new VIF on the lowest free device (a VM without VIFs gets device 0), with the MAC asked
    /// for or one the pool generates; plugged at once when the VM runs (a refused plug removes it).
    /// </summary>
    public async Task<NetworkInterface> CreateNetworkInterfaceAsync(string guestId, NicCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var spec = new NicSpec(request.Network, request.Mac, request.Model);
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        var (networkRef, mac) = await ResolveNicAsync(spec, "", cancellationToken);
        var vifs = await VifsAsync(vm, cancellationToken);
        if (mac is not null && vifs.Any(v => SameMac(v.Record.Mac, mac)))
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' already has a NIC with MAC {mac}.");
        }

        await using var undo = new Reverter(_logger);
        var device = NextFreeDevice(vifs.Select(v => v.Record.Device));
        var vifRef = await Call.CreateVif(NewVif(vmRef, networkRef, device, mac), cancellationToken);
        undo.Add($"VIF {device} of {vm.NameLabel}", async () => await Call.DestroyVif(vifRef, CancellationToken.None));
        if (vm.PowerState == "Running")
        {
            await Call.PlugVif(vifRef, cancellationToken);
        }

        var nic = (await DescribeAsync([await Call.Vif(vifRef, cancellationToken)], cancellationToken))[0];
        await RecordMadeAsync(vmRef, CreatedKind.NetworkInterface, nic.Id, cancellationToken);
        undo.Commit();
        return nic;
    }

    /// <summary>
    /// A network change is VIF.move (live on a running VM); a rate limit is the VIF's QoS; locking
    /// and allowed addresses their own setters; <c>active</c> plugs or unplugs the VIF of a running
    /// VM (409 otherwise). Checked before the first call; a later failure undoes the earlier ones.
    /// </summary>
    public async Task<NetworkInterface> UpdateNetworkInterfaceAsync(string guestId, string interfaceId, NicUpdateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        RefuseModel(request.Model);
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var (vifRef, vif) = await FindVifAsync(vm, interfaceId, cancellationToken);
        var networkRef = request.Network is { } network ? (await ResolveNicAsync(new NicSpec(network), "", cancellationToken)).NetworkRef : null;
        var plug = request.Active is { } active && active != vif.CurrentlyAttached ? active : (bool?)null;
        if (request.Active is not null && vm.PowerState != "Running")
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: a NIC is plugged or unplugged on a running guest.");
        }

        await using var undo = new Reverter(_logger);
        if (networkRef is not null && networkRef != vif.Network)
        {
            await Call.MoveVif(vifRef, networkRef, cancellationToken);
            undo.Add($"network of NIC {vif.Mac}", async () => await Call.MoveVif(vifRef, vif.Network, CancellationToken.None));
        }

        if (request.LockingMode is { } mode && mode != vif.LockingMode)
        {
            await Call.SetVifLockingMode(vifRef, mode, cancellationToken);
            undo.Add($"locking mode of NIC {vif.Mac}", async () => await Call.SetVifLockingMode(vifRef, vif.LockingMode, CancellationToken.None));
        }

        if (request.Ipv4Allowed is { } ipv4)
        {
            await Call.SetVifIpv4Allowed(vifRef, XenApiCalls.Set(ipv4), cancellationToken);
            undo.Add($"IPv4 addresses of NIC {vif.Mac}", async () => await Call.SetVifIpv4Allowed(vifRef, XenApiCalls.Set(vif.Ipv4Allowed), CancellationToken.None));
        }

        if (request.Ipv6Allowed is { } ipv6)
        {
            await Call.SetVifIpv6Allowed(vifRef, XenApiCalls.Set(ipv6), cancellationToken);
            undo.Add($"IPv6 addresses of NIC {vif.Mac}", async () => await Call.SetVifIpv6Allowed(vifRef, XenApiCalls.Set(vif.Ipv6Allowed), CancellationToken.None));
        }

        if (request.RateLimitBitsPerSecond is { } bits)
        {
            var kibibytes = Math.Max(1, bits / BitsPerKibibyte);
            await SetQosAsync(vifRef, RateLimitAlgorithm, new Dictionary<string, string> { ["kbps"] = kibibytes.ToString(CultureInfo.InvariantCulture) }, cancellationToken);
            undo.Add($"rate limit of NIC {vif.Mac}", async () => await SetQosAsync(vifRef, vif.QosAlgorithmType, vif.QosAlgorithmParams, CancellationToken.None));
        }
        else if (request.RemoveRateLimit)
        {
            await SetQosAsync(vifRef, "", new Dictionary<string, string>(), cancellationToken);
            undo.Add($"rate limit of NIC {vif.Mac}", async () => await SetQosAsync(vifRef, vif.QosAlgorithmType, vif.QosAlgorithmParams, CancellationToken.None));
        }

        // Last: the other changes are the VIF's record, which a plug applies.
        if (plug is true)
        {
            await Call.PlugVif(vifRef, cancellationToken);
        }
        else if (plug is false)
        {
            await Call.UnplugVif(vifRef, cancellationToken);
        }

        undo.Commit();
        return (await DescribeAsync([await Call.Vif(vifRef, cancellationToken)], cancellationToken))[0];
    }

    /// <summary>Unplugs the VIF when it is attached to the running VM (a refusal is answered, not ignored), then destroys it.</summary>
    public async Task DeleteNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var (vifRef, vif) = await FindVifAsync(vm, interfaceId, cancellationToken);
        await using var undo = new Reverter(_logger);
        if (vm.PowerState == "Running" && vif.CurrentlyAttached)
        {
            await Call.UnplugVif(vifRef, cancellationToken);
            undo.Add($"NIC {vif.Mac} unplugged", async () => await Call.PlugVif(vifRef, CancellationToken.None));
        }

        await Call.DestroyVif(vifRef, cancellationToken);
        undo.Commit();
    }

    // The type first, then its parameters: xapi reads both when the VIF is next plugged.
    private async Task SetQosAsync(string vifRef, string type, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        await Call.SetVifQosType(vifRef, type, cancellationToken);
        await Call.SetVifQosParams(vifRef, XenApiCalls.Map(parameters), cancellationToken);
    }

    private async Task<List<(string Ref, VifRecord Record)>> VifsAsync(VmRecord vm, CancellationToken cancellationToken)
    {
        var records = await Task.WhenAll(vm.Vifs.Select(vif => Call.Vif(vif, cancellationToken)));
        return [.. vm.Vifs.Zip(records)];
    }

    private async Task<(string Ref, VifRecord Record)> FindVifAsync(VmRecord vm, string interfaceId, CancellationToken cancellationToken)
    {
        var wanted = interfaceId.Replace('-', ':');
        var found = (await VifsAsync(vm, cancellationToken)).Where(v => SameMac(v.Record.Mac, wanted)).ToList();
        return found.Count > 0 ? found[0] : throw EntityNotFoundException.Of("network interface", interfaceId);
    }

    private static bool SameMac(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The network's ref and the MAC in lower case (null: the pool makes one), checked before
    /// anything is made: an unknown network or a malformed MAC is a bad request, a model is
    /// something Xen VIFs do not have.
    /// </summary>
    private async Task<(string NetworkRef, string? Mac)> ResolveNicAsync(NicSpec spec, string field, CancellationToken cancellationToken)
    {
        RefuseModel(spec.Model);
        string? mac = null;
        if (spec.Mac is { } given)
        {
            mac = given.ToLowerInvariant();
            if (!MacAddress().IsMatch(mac) || (Convert.ToByte(mac[..2], 16) & 1) == 1)
            {
                throw new InvalidArgumentException($"{field}mac '{given}' is not a unicast MAC address (six hex pairs separated by ':').");
            }
        }

        try
        {
            return ((await FindNetworkAsync(spec.Network, cancellationToken)).Ref, mac);
        }
        catch (EntityNotFoundException)
        {
            throw new InvalidArgumentException($"{field}network '{spec.Network}' does not exist.");
        }
    }

    private static void RefuseModel(string? model)
    {
        if (model is not null)
        {
            throw new FeatureNotAvailableException("Xen VIFs have no model: a guest sees a paravirtual (netfront) NIC, or the emulated one its VM platform gives.");
        }
    }

    /// <summary>The lowest device number no VIF of the VM uses (xapi refuses a device taken twice).</summary>
    private static int NextFreeDevice(IEnumerable<string> devices)
    {
        var used = devices.Select(d => int.TryParse(d, CultureInfo.InvariantCulture, out var n) ? n : -1).ToHashSet();
        var device = 0;
        while (used.Contains(device))
        {
            device++;
        }

        return device;
    }

    private static JsonObject NewVif(string vmRef, string networkRef, int device, string? mac) => new()
    {
        ["device"] = device.ToString(CultureInfo.InvariantCulture),
        ["network"] = networkRef,
        ["VM"] = vmRef,
        ["MAC"] = mac ?? "", // Empty: the pool generates one from the VM's mac_seed.
        ["MTU"] = 1500,
        ["other_config"] = new JsonObject(),
        ["qos_algorithm_type"] = "",
        ["qos_algorithm_params"] = new JsonObject(),
        ["locking_mode"] = "network_default",
        ["ipv4_allowed"] = new JsonArray(),
        ["ipv6_allowed"] = new JsonArray(),
    };

    /// <summary>VIFs in the API's words, ordered by device; networks and their VLANs read in two bulk calls.</summary>
    private async Task<List<NetworkInterface>> DescribeAsync(IReadOnlyList<VifRecord> vifs, CancellationToken cancellationToken)
    {
        var networksTask = Call.AllNetworks(cancellationToken);
        var pifs = await Call.AllPifs(cancellationToken);
        var networks = await networksTask;
        return [.. vifs
            .Select(vif => ToNic(vif, networks.GetValueOrDefault(vif.Network), pifs))
            .OrderBy(nic => nic.Number)];
    }

    private static NetworkInterface ToNic(VifRecord vif, NetworkRecord? network, Dictionary<string, PifRecord> pifs)
    {
        var vlan = network?.Pifs.Select(pifs.GetValueOrDefault).OfType<PifRecord>().Select(p => p.Vlan).FirstOrDefault(v => v >= 0, -1) ?? -1;
        var mac = vif.Mac.ToLowerInvariant();
        return new NetworkInterface(
            Id: mac,
            Number: int.TryParse(vif.Device, CultureInfo.InvariantCulture, out var number) ? number : 0,
            Mac: mac,
            Network: network?.NameLabel,
            LockingMode: vif.LockingMode,
            Ipv4Allowed: vif.Ipv4Allowed,
            Ipv6Allowed: vif.Ipv6Allowed,
            RateLimit: vif.QosAlgorithmType == RateLimitAlgorithm && vif.QosAlgorithmParams.TryGetValue("kbps", out var kbps) ? new RateLimit(kbps) : null,
            Model: null,
            Vlan: vlan >= 0 ? (int)vlan : null) { Active = vif.CurrentlyAttached };
    }

    [GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", RegexOptions.CultureInvariant)]
    private static partial Regex MacAddress();
}
