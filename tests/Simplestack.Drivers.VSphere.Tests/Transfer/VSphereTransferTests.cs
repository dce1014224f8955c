using System.Collections.Concurrent;
using System.Text;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.Conformance;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;
using static Simplestack.Drivers.VSphere.Tests.Transfer.OvaTestKit;

namespace Simplestack.Drivers.VSphere.Tests.Transfer;

/// <summary>OVA export and import against a vCenter vcsim.</summary>
public sealed class VSphereTransferTests(VcsimVpxFixture vpx) : VSphereTransferTestBase(vpx), IClassFixture<VcsimVpxFixture>;

/// <summary>OVA export and import against a standalone ESX vcsim.</summary>
public sealed class VSphereEsxTransferTests(VcsimEsxFixture esx) : VSphereTransferTestBase(esx), IClassFixture<VcsimEsxFixture>;

/// <summary>
/// The vmware driver's OVA export and import (IGuestTransfer) against one vcsim per class. What the
/// driver did is checked through vcsim's datastore folders on disk, the tests' own SOAP client
/// (the probe), Debian's Python tarfile and pyVmomi, and what reached vcsim's NFC endpoint (vcsim
/// 0.24.2 reads an NFC upload and throws the bytes away, so the bytes are recorded on their way
/// there, and vcsim's own log says how many it received).
/// </summary>
public abstract class VSphereTransferTestBase(VcsimFixture fixture) : IAsyncLifetime
{
    private const int DiskBytes = (300 * 1024) + 17; // Not a whole number of tar blocks: the padding is exercised.

    private readonly ConcurrentQueue<(string Method, string Path, string? ContentType, byte[] Body)> _uploads = new();
    private VSphereConnection _connection = null!;
    private VcsimProbe _probe = null!;
    private readonly List<string> _made = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private VcsimProcess Vcsim => fixture.Vcsim;

    public async ValueTask InitializeAsync()
    {
        var options = new VSphereDriverOptions();
        options.CertificatePins[$"127.0.0.1:{Vcsim.Port}"] = Vcsim.CertificateSha256;
        var trust = new CertificateTrust("Simplestack:VSphere", options.CertificatePins, null);
        var driver = new VSphereDriver(options, null, (host, port) => new NfcRecorder(trust.CreateHandler(host, port, useCookies: false), _uploads));
        _connection = (VSphereConnection)await driver.ConnectAsync(VcsimConnection.Target(Vcsim), new HypervisorCredentials(Vcsim.User, Vcsim.Password), Ct);
        _probe = new VcsimProbe(Vcsim);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _made.Where(_probe.GuestExists))
        {
            await _connection.DeleteGuestAsync(name, new GuestDeleteOptions(false), CancellationToken.None);
        }

        await _connection.DisposeAsync();
        _probe.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Export_writes_a_tar_with_the_ovf_first_then_the_disk_bytes_as_on_the_datastore()
    {
        var name = Made(NewName("ss-ova"));
        var (guest, disk) = await CreateGuestWithDataAsync(_connection, Vcsim, _probe, name, DiskBytes, Ct);

        var ova = await ExportAsync(_connection, guest.Id, Ct);

        var entries = ReadTar(ova);
        Assert.Equal([$"{name}.ovf", $"{name}-disk1.vmdk"], entries.Select(e => e.Name));
        await AssertVmdkHoldsAsync(entries[1].Data, disk, Ct);
        var envelope = XDocument.Parse(Encoding.UTF8.GetString(entries[0].Data)).Root!;
        Assert.Equal(OvfNs + "Envelope", envelope.Name);
        var file = envelope.Element(OvfNs + "References")!.Elements(OvfNs + "File").Single();
        Assert.Equal($"{name}-disk1.vmdk", (string?)file.Attribute(OvfNs + "href"));
        Assert.Equal(entries[1].Data.Length, (long)file.Attribute(OvfNs + "size")!);
        var ovfDisk = envelope.Element(OvfNs + "DiskSection")!.Element(OvfNs + "Disk")!;
        Assert.Equal(1L << 30, (long)ovfDisk.Attribute(OvfNs + "capacity")!);
        Assert.Equal("http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized", (string?)ovfDisk.Attribute(OvfNs + "format"));
        Assert.Equal("VM Network", (string?)envelope.Element(OvfNs + "NetworkSection")!.Element(OvfNs + "Network")!.Attribute(OvfNs + "name"));
        XNamespace rasd = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";
        var items = envelope.Element(OvfNs + "VirtualSystem")!.Element(OvfNs + "VirtualHardwareSection")!.Elements(OvfNs + "Item")
            .ToDictionary(i => i.Element(rasd + "InstanceID")!.Value);
        Assert.Equal(["3", "4", "6", "17", "10"], items.Values.Select(i => i.Element(rasd + "ResourceType")!.Value));
        Assert.Equal("2", items.Values.Single(i => i.Element(rasd + "ResourceType")!.Value == "3").Element(rasd + "VirtualQuantity")!.Value);
        Assert.Equal("256", items.Values.Single(i => i.Element(rasd + "ResourceType")!.Value == "4").Element(rasd + "VirtualQuantity")!.Value);
        Assert.Equal("VmxNet3", items.Values.Single(i => i.Element(rasd + "ResourceType")!.Value == "10").Element(rasd + "ResourceSubType")!.Value);
        Assert.Equal("VirtualSCSI", items.Values.Single(i => i.Element(rasd + "ResourceType")!.Value == "6").Element(rasd + "ResourceSubType")!.Value);
    }

    [Fact]
    public async Task Pythons_tarfile_reads_the_ova_and_pyvmomis_CreateImportSpec_accepts_its_descriptor()
    {
        var name = Made(NewName("ss-py"));
        var (guest, disk) = await CreateGuestWithDataAsync(_connection, Vcsim, _probe, name, DiskBytes, Ct);
        var ova = await ExportAsync(_connection, guest.Id, Ct);

        var checkedByPython = await CheckWithPythonAsync(ova, Ct, VcsimArguments(Vcsim));
        var vmdk = ReadTar(ova)[1].Data;
        await AssertVmdkHoldsAsync(vmdk, disk, Ct);

        var members = checkedByPython.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal([$"{name}.ovf", $"{name}-disk1.vmdk"], members.Select(m => m.GetProperty("name").GetString()));
        Assert.All(members, m => Assert.Equal("0", m.GetProperty("type").GetString()));
        Assert.Equal(vmdk.Length, members[1].GetProperty("size").GetInt64());
        Assert.Equal(Sha256(vmdk), members[1].GetProperty("sha256").GetString());
        Assert.Equal(name, checkedByPython.GetProperty("name").GetString());
        var reference = Assert.Single(checkedByPython.GetProperty("references").EnumerateArray().ToList());
        Assert.Equal(vmdk.Length, reference.GetProperty("size").GetInt64());
        var spec = checkedByPython.GetProperty("importSpec");
        Assert.Empty(spec.GetProperty("errors").EnumerateArray());
        Assert.Equal("VmImportSpec", spec.GetProperty("type").GetString()!.Split('.')[^1]); // pyVmomi's name for VirtualMachineImportSpec
        Assert.Equal([$"{name}-disk1.vmdk"], spec.GetProperty("fileItems").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Export_delete_import_gives_a_new_vm_with_the_same_hardware_and_the_disk_bytes_are_uploaded()
    {
        var name = Made(NewName("ss-back"));
        var (guest, disk) = await CreateGuestWithDataAsync(_connection, Vcsim, _probe, name, DiskBytes, Ct);
        var ova = await ExportAsync(_connection, guest.Id, Ct);
        await _connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(false), Ct);
        Assert.False(_probe.GuestExists(name));
        _uploads.Clear();

        // Chunked: no length is given, the tar's entry sizes are enough.
        var back = await _connection.ImportGuestAsync(new NonSeekable(ova), null, null, Ct);

        Assert.Equal(name, back.Name);
        Assert.True(_probe.GuestExists(name)); // vcsim derives config.uuid from the name, so the id comes back the same.
        Assert.Equal(GuestState.STOPPED, back.State);
        Assert.Equal(2, _probe.DefinedCpus(name));
        Assert.Equal(256, _probe.DefinedMemoryMiB(name));
        Assert.Equal(1L << 30, Assert.Single(_probe.Disks(name)).SizeBytes);
        Assert.Equal("VM Network", Assert.Single(_probe.Nics(name)).Network);
        var upload = Assert.Single(_uploads);
        Assert.StartsWith("/nfc/", upload.Path, StringComparison.Ordinal);
        Assert.Equal("POST", upload.Method); // As govmomi and ovftool send a stream-optimized disk.
        Assert.Equal("application/x-vnd.vmware-streamVmdk", upload.ContentType);
        Assert.Equal(ReadTar(ova)[1].Data, upload.Body);
        await AssertVmdkHoldsAsync(upload.Body, disk, Ct);
        // vcsim says what it received (and then discards it: 0.24.2 keeps no NFC upload).
        Assert.Contains($"transferred {upload.Body.Length} bytes", Vcsim.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_guest_is_409_and_a_name_taken_is_409_on_import()
    {
        var running = (await _connection.ListGuestsAsync(Ct)).First(g => g.State == GuestState.STARTED);
        await Assert.ThrowsAsync<ConflictException>(() => _connection.OpenExportAsync(running.Id, Ct));
        Assert.Equal(ProbedPower.Running, _probe.Power(running.Name));

        var name = Made(NewName("ss-dup"));
        var (guest, _) = await CreateGuestWithDataAsync(_connection, Vcsim, _probe, name, 1024, Ct);
        var ova = await ExportAsync(_connection, guest.Id, Ct);
        var before = await VmNamesAsync();

        await Assert.ThrowsAsync<ConflictException>(() => _connection.ImportGuestAsync(new MemoryStream(ova), ova.Length, null, Ct));
        Assert.Equal(before, await VmNamesAsync());
    }

    [Fact]
    public async Task Malformed_archives_are_400_and_leave_no_vm()
    {
        var name = Made(NewName("ss-bad"));
        var (guest, _) = await CreateGuestWithDataAsync(_connection, Vcsim, _probe, name, 4096, Ct);
        var entries = ReadTar(await ExportAsync(_connection, guest.Id, Ct));
        var disk = entries[1].Data;
        var imported = Made(NewName("ss-bad-in"));
        var descriptor = Renamed(entries[0].Data, imported);
        var diskName = entries[1].Name;
        var before = await VmNamesAsync();
        var whole = WriteTar(("guest.ovf", descriptor), (diskName, disk));

        byte[][] bodies =
        [
            Encoding.UTF8.GetBytes("this is not a tar archive at all, but it is long enough to be read as a header block." + new string('x', 600)),
            WriteTar((diskName, disk), ("guest.ovf", descriptor)), // The descriptor is not first.
            WriteTar(("guest.ovf", Encoding.UTF8.GetBytes("<Envelope>not OVF</Envelope>")), (diskName, disk)),
            WriteTar(("guest.ovf", descriptor)), // The disk the OVF references is missing: found after ImportVApp.
            WriteTar(("guest.ovf", descriptor), (diskName, [.. disk, 1, 2, 3])), // Bigger than the OVF says.
            WriteTar(("guest.ovf", descriptor), (diskName, disk), ("extra.img", disk)), // A file the OVF does not reference.
            whole[..(whole.Length - 1024 - 2048)], // Cut in the middle of the disk.
        ];
        foreach (var body in bodies)
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => _connection.ImportGuestAsync(new MemoryStream(body), body.Length, null, Ct));
            Assert.Equal(before, await VmNamesAsync());
        }

        // The same archive, whole, imports: the refusals above were the archive's faults.
        var back = await _connection.ImportGuestAsync(new MemoryStream(whole), whole.Length, null, Ct);
        Assert.Equal(imported, back.Name);
        Assert.True(_probe.GuestExists(imported));
    }

    [Fact]
    public async Task Import_onto_an_unknown_storage_is_404_and_onto_a_named_one_works()
    {
        var name = Made(NewName("ss-ds"));
        var (guest, _) = await CreateGuestWithDataAsync(_connection, Vcsim, _probe, name, 2048, Ct);
        var entries = ReadTar(await ExportAsync(_connection, guest.Id, Ct));
        var disk = entries[1].Data;
        var imported = Made(NewName("ss-ds-in"));
        var ova = WriteTar(($"{imported}.ovf", Renamed(entries[0].Data, imported)), (entries[1].Name, disk));

        await Assert.ThrowsAsync<EntityNotFoundException>(() => _connection.ImportGuestAsync(new MemoryStream(ova), ova.Length, "no-such-datastore", Ct));
        Assert.False(_probe.GuestExists(imported));

        await _connection.ImportGuestAsync(new MemoryStream(ova), ova.Length, "LocalDS_0", Ct);
        Assert.StartsWith("[LocalDS_0] ", Assert.Single(_probe.Disks(imported)).Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_after_the_descriptor_is_checked_and_a_digest_that_differs_is_400_with_no_vm_left()
    {
        var name = Made(NewName("ss-mf"));
        var (guest, _) = await CreateGuestWithDataAsync(_connection, Vcsim, _probe, name, 8192, Ct);
        var entries = ReadTar(await ExportAsync(_connection, guest.Id, Ct));
        var imported = Made(NewName("ss-mf-in"));
        var descriptor = Renamed(entries[0].Data, imported);
        var (diskName, disk) = entries[1];
        byte[] Manifest(string ovfDigest, string diskDigest) => Encoding.ASCII.GetBytes($"SHA256(guest.ovf)= {ovfDigest}\nSHA1({diskName})= {diskDigest}\n");
        var ovfSha256 = Sha256(descriptor);
        var diskSha1 = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(disk));
        var wrong = new string('0', 40);
        var before = await VmNamesAsync();

        byte[][] bodies =
        [
            WriteTar(("guest.ovf", descriptor), ("guest.mf", Manifest(Sha256(disk), diskSha1)), (diskName, disk)), // The descriptor's digest differs.
            WriteTar(("guest.ovf", descriptor), ("guest.mf", Manifest(ovfSha256, wrong)), (diskName, disk)), // The disk's differs: found after its upload.
            WriteTar(("guest.ovf", descriptor), (diskName, disk), ("guest.mf", Manifest(ovfSha256, diskSha1))), // Out of its place.
            WriteTar(("guest.ovf", descriptor), ("guest.mf", "MD5(guest.ovf)= 00\n"u8.ToArray()), (diskName, disk)),
        ];
        foreach (var body in bodies)
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => _connection.ImportGuestAsync(new MemoryStream(body), body.Length, null, Ct));
            Assert.Equal(before, await VmNamesAsync());
        }

        var good = WriteTar(("guest.ovf", descriptor), ("guest.mf", Manifest(ovfSha256, diskSha1)), (diskName, disk));
        Assert.Equal(imported, (await _connection.ImportGuestAsync(new MemoryStream(good), good.Length, null, Ct)).Name);
    }

    [Fact]
    public async Task A_caller_that_goes_away_mid_disk_leaves_no_vm()
    {
        var name = Made(NewName("ss-gone"));
        var (guest, _) = await CreateGuestWithDataAsync(_connection, Vcsim, _probe, name, DiskBytes, Ct);
        var ova = await ExportAsync(_connection, guest.Id, Ct);
        await _connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(false), Ct);
        var before = await VmNamesAsync();

        // The body stops short inside the disk and the caller gives up, as a dropped connection does.
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var body = new StallingStream(ova, ova.Length - 100_000, gone);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _connection.ImportGuestAsync(body, null, null, gone.Token));

        Assert.False(_probe.GuestExists(name));
        Assert.Equal(before, await VmNamesAsync());
    }

    private string Made(string name)
    {
        _made.Add(name);
        return name;
    }

    private async Task<IReadOnlyList<string>> VmNamesAsync()
    {
        using var soap = new VimSoap(Vcsim);
        var content = await soap.ServiceContentAsync(Ct);
        await soap.LoginAsync(content, Vcsim.User, Vcsim.Password, Ct);
        return [.. (await soap.VirtualMachinesAsync(content, Ct)).Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>Passes every request on; keeps a copy of what is sent to an NFC URL.</summary>
    private sealed class NfcRecorder(HttpMessageHandler inner, ConcurrentQueue<(string, string, string?, byte[])> uploads) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.StartsWith("/nfc/", StringComparison.Ordinal) && request.Content is { } content)
            {
                var body = await content.ReadAsByteArrayAsync(cancellationToken);
                uploads.Enqueue((request.Method.Method, request.RequestUri.AbsolutePath, content.Headers.ContentType?.MediaType, body));
                var copy = new ByteArrayContent(body);
                foreach (var header in content.Headers)
                {
                    copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                request.Content = copy;
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A body that delivers its first <paramref name="until"/> bytes, then cancels its caller and waits.</summary>
    private sealed class StallingStream(byte[] data, long until, CancellationTokenSource caller) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var left = (int)Math.Min(buffer.Length, until - Position);
            if (left > 0)
            {
                return await base.ReadAsync(buffer[..left], cancellationToken);
            }

            await caller.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>A body as a server reads it: forward only, no length.</summary>
    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
    }
}
