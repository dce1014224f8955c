using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>The driver's reads against a vCenter vcsim, checked against what vcsim's default model holds.</summary>
public sealed class VSphereReadTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Guests_are_the_four_vms_with_their_uuids_states_and_hosts()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var guests = await connection.ListGuestsAsync(Ct);

        Assert.Equal(["DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1"], guests.Select(g => g.Name));
        Assert.All(guests, g =>
        {
            Assert.True(Guid.TryParse(g.Id, out _), g.Id);
            Assert.Equal(GuestState.STARTED, g.State);
            Assert.Equal("poweredOn", g.StateDetail);
            Assert.True(g.Cpus > 0);
            Assert.True(g.Memory > 0);
            Assert.False(string.IsNullOrEmpty(g.Host));
        });
        var one = guests[2];
        Assert.Equal(one, await connection.GetGuestAsync(one.Id, Ct));
        Assert.Equal(one, await connection.GetGuestAsync(one.Name, Ct));
        Assert.Equal(one, await connection.GetGuestAsync(one.Id.ToUpperInvariant(), Ct));
    }

    [Fact]
    public async Task A_guest_is_also_found_by_its_instance_uuid_and_an_unknown_uuid_or_name_is_404()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        using var soap = new VimSoap(vpx.Vcsim);
        var content = await soap.ServiceContentAsync(Ct);
        await soap.LoginAsync(content, vpx.Vcsim.User, vpx.Vcsim.Password, Ct);
        var vm = (await soap.InvokeAsync(VimSoap.Method("FindByInventoryPath", VimSoap.Ref("_this", content.Element(VimSoap.Vim + "searchIndex")!),
            new System.Xml.Linq.XElement(VimSoap.Vim + "inventoryPath", "DC0/vm/DC0_H0_VM1")), Ct)).Single();
        var instanceUuid = (await soap.InvokeAsync(VimSoap.Method("RetrievePropertiesEx", VimSoap.Ref("_this", content.Element(VimSoap.Vim + "propertyCollector")!),
            new System.Xml.Linq.XElement(VimSoap.Vim + "specSet",
                new System.Xml.Linq.XElement(VimSoap.Vim + "propSet", new System.Xml.Linq.XElement(VimSoap.Vim + "type", "VirtualMachine"), new System.Xml.Linq.XElement(VimSoap.Vim + "pathSet", "config.instanceUuid")),
                new System.Xml.Linq.XElement(VimSoap.Vim + "objectSet", VimSoap.Ref("obj", vm))),
            new System.Xml.Linq.XElement(VimSoap.Vim + "options")), Ct)).Single().Descendants(VimSoap.Vim + "val").Single().Value;

        var guest = await connection.GetGuestAsync(instanceUuid, Ct);

        Assert.Equal("DC0_H0_VM1", guest.Name);
        Assert.NotEqual(instanceUuid, guest.Id); // the id stays config.uuid
        await Assert.ThrowsAsync<EntityNotFoundException>(() => connection.GetGuestAsync(Guid.NewGuid().ToString(), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => connection.GetGuestAsync("no-such-vm", Ct));
    }

    [Fact]
    public async Task Pool_hosts_and_datastores_are_read()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var pool = await connection.GetPoolInfoAsync(Ct);
        var hosts = await connection.ListHostsAsync(Ct);
        var storages = await connection.ListStoragesAsync(Ct);

        Assert.Equal("6.5.0", pool.SoftwareInfo.Version);
        Assert.Contains("VMware vCenter Server", pool.SoftwareInfo.LibraryVersion, StringComparison.Ordinal);
        Assert.True(pool.TotalMemory > 0);
        Assert.Equal(4, hosts.Count); // DC0_H0 and the cluster's three.
        Assert.Equal("LocalDS_0", Assert.Single(storages).Name);
        Assert.True(storages[0].SizeBytes > 0);
    }
}

/// <summary>Guest names the server would turn into a datastore folder outside the datastore.</summary>
public sealed class VSphereNameTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>
{
    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task Dot_names_are_refused_and_nothing_is_written_beside_the_datastore(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        // The datastore's folder and the launcher's folder around it are vcsim's alone (other
        // processes write into the temporary folder above, so that one is not compared).
        var datastore = vpx.Vcsim.DatastoreFolders[0];
        var parent = Path.GetDirectoryName(datastore)!;
        string[] Entries() => [.. Directory.GetFileSystemEntries(parent), .. Directory.GetFiles(datastore)];
        var before = Entries();
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: ct);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => connection.CreateGuestAsync(new GuestCreateRequest(name, 256), ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => connection.UpdateGuestAsync("DC0_H0_VM0", new GuestUpdateRequest(Name: name), ct));

        Assert.Equal(before, Entries());
    }
}

/// <summary>The driver's reads against a standalone ESX vcsim (apiType HostAgent: no vCenter instance uuid).</summary>
public sealed class VSphereEsxReadTests(VcsimEsxFixture esx) : IClassFixture<VcsimEsxFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_esx_host_is_one_host_its_guests_and_its_hardware_uuid_as_the_pool_uuid()
    {
        await using var connection = await VcsimConnection.OpenAsync(esx.Vcsim, cancellationToken: Ct);

        Assert.False(connection.Content.IsVCenter);
        var host = Assert.Single(await connection.ListHostsAsync(Ct));
        Assert.Equal(["ha-host_VM0", "ha-host_VM1"], (await connection.ListGuestsAsync(Ct)).Select(g => g.Name));
        Assert.All(await connection.ListGuestsAsync(Ct), g => Assert.Equal(host.Name, g.Host));
        var pool = await connection.GetPoolInfoAsync(Ct);
        Assert.True(Guid.TryParse(pool.Uuid, out _), pool.Uuid);
        Assert.Equal(host.Memory, pool.TotalMemory);
    }
}
