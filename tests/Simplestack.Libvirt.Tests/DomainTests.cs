namespace Simplestack.Libvirt.Tests;

public sealed class DomainTests
{
    [Fact]
    public void Default_connection_has_the_running_test_domain()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        // test:///default is one state for the whole process: other tests' domains come and go beside it.
        var domains = conn.ListAllDomains();
        var test = Assert.Single(domains, d => d.Name == "test");
        Assert.True(test.IsActive);
        Assert.True(test.IsPersistent);
        Assert.False(test.HasManagedSaveImage);
        Assert.Equal(1, test.Id);
        Assert.Equal(DomainState.Running, test.GetState().State);
        var info = test.GetInfo();
        Assert.Equal(DomainState.Running, info.State);
        Assert.True(info.MaxMemoryKiB > 0);
        Assert.True(info.VirtualCpus > 0);
        Assert.Contains("<name>test</name>", test.GetXmlDesc(), StringComparison.Ordinal);
        Assert.Contains("<name>test</name>", test.GetXmlDesc(DomainXmlFlags.Inactive | DomainXmlFlags.Secure), StringComparison.Ordinal);
        foreach (var d in domains)
        {
            d.Dispose();
        }
    }

    [Fact]
    public void Lookup_by_name_and_uuid()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var byName = conn.TryLookupDomainByName("test");
        Assert.NotNull(byName);
        Assert.Equal(36, byName.Uuid.Length);
        using var byUuid = conn.TryLookupDomainByUuid(byName.Uuid);
        Assert.NotNull(byUuid);
        Assert.Equal("test", byUuid.Name);
        Assert.Same(conn, byUuid.Connection);
    }

    [Fact]
    public void Unknown_domain_is_null()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        Assert.Null(conn.TryLookupDomainByName("no-such-domain"));
        Assert.Null(conn.TryLookupDomainByUuid(Guid.NewGuid().ToString()));
        Assert.Null(conn.TryLookupDomainByUuid("not-a-uuid"));
    }

    [Fact]
    public void Invalid_operation_throws_with_libvirt_code_and_message()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var test = conn.TryLookupDomainByName("test")!;
        // The test driver reports resuming a running domain as an internal error ("domain 'test' not paused")...
        var ex = Assert.Throws<LibvirtException>(test.Resume);
        Assert.Equal(LibvirtErrorCode.InternalError, ex.Code);
        Assert.Contains("not paused", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.Level);
        Assert.Equal(12, ex.ErrorDomain); // VIR_FROM_TEST

        // Malformed XML: libxml2's parse error.
        var badXml = Assert.Throws<LibvirtException>(() => conn.DefineDomain("<domain>"));
        Assert.Equal(LibvirtErrorCode.XmlDetail, badXml.Code);
        Assert.Contains("Premature end of data", badXml.Message, StringComparison.Ordinal);

        // A handle whose domain is gone: no domain.
        using var gone = conn.DefineDomain(TestXml.Domain(TestXml.UniqueName("gone")));
        gone.Undefine();
        var noDomain = Assert.Throws<LibvirtException>(() => gone.GetState());
        Assert.Equal(LibvirtErrorCode.NoDomain, noDomain.Code);
        Assert.False(string.IsNullOrWhiteSpace(noDomain.Message));
    }

    [Fact]
    public void Define_start_suspend_resume_destroy_undefine()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        var name = TestXml.UniqueName("life");
        using var dom = conn.DefineDomain(TestXml.Domain(name));
        Assert.Equal(name, dom.Name);
        Assert.Equal(-1, dom.Id);
        Assert.Equal(DomainState.Shutoff, dom.GetState().State);
        Assert.False(dom.IsActive);
        Assert.True(dom.IsPersistent);

        dom.Start();
        Assert.Equal(DomainState.Running, dom.GetState().State);
        Assert.True(dom.IsActive);
        using (var again = conn.TryLookupDomainByName(name)!)
        {
            Assert.True(again.Id > 0);
        }

        dom.Suspend();
        Assert.Equal(DomainState.Paused, dom.GetState().State);
        dom.Resume();
        Assert.Equal(DomainState.Running, dom.GetState().State);
        dom.Reboot();
        dom.Reset();
        Assert.Equal(DomainState.Running, dom.GetState().State);
        dom.Destroy();
        Assert.Equal(DomainState.Shutoff, dom.GetState().State);

        dom.Autostart = true;
        Assert.True(dom.Autostart);
        dom.Autostart = false;
        Assert.False(dom.Autostart);

        dom.Undefine();
        Assert.Null(conn.TryLookupDomainByName(name));
        Assert.Equal(name, dom.Name); // still readable after undefine
    }

    [Fact]
    public void Shutdown_a_running_domain()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var dom = conn.DefineDomain(TestXml.Domain(TestXml.UniqueName("shut")));
        dom.Start();
        dom.Shutdown();
        Assert.Equal(DomainState.Shutoff, dom.GetState().State);
        dom.Undefine();
    }

    [Fact]
    public void Transient_domain_disappears_on_destroy()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        var name = TestXml.UniqueName("transient");
        using var dom = conn.CreateTransientDomain(TestXml.Domain(name));
        Assert.True(dom.IsActive);
        Assert.False(dom.IsPersistent);
        dom.Destroy();
        Assert.Null(conn.TryLookupDomainByName(name));
    }

    [Fact]
    public void Memory_and_vcpus()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var dom = conn.DefineDomain(TestXml.Domain(TestXml.UniqueName("size")));
        dom.SetMaxMemory(262144, DomainModificationImpact.Config);
        dom.SetMemory(196608, DomainModificationImpact.Config);
        var info = dom.GetInfo();
        Assert.Equal(262144ul, info.MaxMemoryKiB);
        Assert.Equal(196608ul, info.MemoryKiB);

        dom.SetMaxVcpus(4, DomainModificationImpact.Config);
        dom.SetVcpus(3, DomainModificationImpact.Config);
        Assert.Equal(3, dom.GetInfo().VirtualCpus);
        dom.Undefine();
    }

    [Fact]
    public void Metadata_set_get_and_absent()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var dom = conn.DefineDomain(TestXml.Domain(TestXml.UniqueName("meta")));
        Assert.Null(dom.GetMetadata(DomainMetadataType.Description, null, DomainModificationImpact.Config));

        dom.SetMetadata(DomainMetadataType.Description, "a description", null, null, DomainModificationImpact.Config);
        dom.SetMetadata(DomainMetadataType.Title, "a title", null, null, DomainModificationImpact.Config);
        const string ns = "http://simplestack.example/1";
        dom.SetMetadata(DomainMetadataType.Element, "<owner>alice</owner>", "ss", ns, DomainModificationImpact.Config);

        Assert.Equal("a description", dom.GetMetadata(DomainMetadataType.Description, null, DomainModificationImpact.Config));
        Assert.Equal("a title", dom.GetMetadata(DomainMetadataType.Title, null, DomainModificationImpact.Config));
        var element = dom.GetMetadata(DomainMetadataType.Element, ns, DomainModificationImpact.Config);
        Assert.NotNull(element);
        Assert.Contains("alice", element, StringComparison.Ordinal);
        Assert.Null(dom.GetMetadata(DomainMetadataType.Element, "http://other.example/", DomainModificationImpact.Config));

        dom.SetMetadata(DomainMetadataType.Description, null, null, null, DomainModificationImpact.Config);
        Assert.Null(dom.GetMetadata(DomainMetadataType.Description, null, DomainModificationImpact.Config));
        dom.Undefine();
    }

    [Fact]
    public void Rename_updates_name()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var dom = conn.DefineDomain(TestXml.Domain(TestXml.UniqueName("old")));
        var newName = TestXml.UniqueName("new");
        dom.Rename(newName);
        Assert.Equal(newName, dom.Name);
        Assert.NotNull(conn.TryLookupDomainByName(newName));
        dom.Undefine();
    }

    [Fact]
    public void Snapshots_create_list_revert_delete()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var dom = conn.DefineDomain(TestXml.Domain(TestXml.UniqueName("snap")));
        Assert.Null(dom.TryGetCurrentSnapshot());
        Assert.Null(dom.TryLookupSnapshotByName("nope"));

        using var s1 = dom.CreateSnapshot("<domainsnapshot><name>s1</name></domainsnapshot>");
        Assert.Equal("s1", s1.Name);
        Assert.True(s1.IsCurrent);
        dom.Start();
        using var s2 = dom.CreateSnapshot("<domainsnapshot><name>s2</name></domainsnapshot>");
        Assert.False(s1.IsCurrent);
        Assert.True(s2.IsCurrent);
        Assert.Contains("<name>s2</name>", s2.GetXmlDesc(), StringComparison.Ordinal);

        var all = dom.ListAllSnapshots();
        Assert.Equal(["s1", "s2"], all.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var s in all)
        {
            s.Dispose();
        }

        s1.Revert();
        Assert.Equal(DomainState.Shutoff, dom.GetState().State);
        using (var current = dom.TryGetCurrentSnapshot())
        {
            Assert.Equal("s1", current?.Name);
        }

        using (var found = dom.TryLookupSnapshotByName("s2"))
        {
            Assert.NotNull(found);
            found.Delete();
        }

        s1.Delete();
        Assert.Empty(dom.ListAllSnapshots());
        dom.Undefine();
    }

    [Fact]
    public void Interface_addresses_do_not_throw_on_test_driver()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var test = conn.TryLookupDomainByName("test")!;
        var ifaces = test.GetInterfaceAddresses(DomainInterfaceAddressSource.Lease);
        foreach (var iface in ifaces)
        {
            Assert.False(string.IsNullOrEmpty(iface.Name));
            Assert.All(iface.Addresses, a => Assert.False(string.IsNullOrEmpty(a.Address)));
        }
    }

    [Fact]
    public void All_domain_stats_include_state_of_test()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        var stats = conn.GetAllDomainStats(DomainStatsTypes.State | DomainStatsTypes.CpuTotal | DomainStatsTypes.Balloon | DomainStatsTypes.Vcpu);
        var test = Assert.Single(stats, s => s.Domain.Name == "test");
        Assert.Equal((int)DomainState.Running, Assert.IsType<int>(test.Parameters["state.state"]));
        Assert.True(test.Parameters.ContainsKey("state.reason"));
        Assert.Equal(test.Domain.Uuid, conn.TryLookupDomainByName("test")!.Uuid);
        Assert.Equal(DomainState.Running, test.Domain.GetState().State); // the record's domain outlives the freed list
        foreach (var s in stats)
        {
            s.Domain.Dispose();
        }
    }
}
