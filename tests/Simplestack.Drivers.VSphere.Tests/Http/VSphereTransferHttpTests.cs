using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;
using static Simplestack.Drivers.VSphere.Tests.Transfer.OvaTestKit;

namespace Simplestack.Drivers.VSphere.Tests.Http;

/// <summary>
/// The OVA routes of the real gateway over <c>/vmware/127.0.0.1:PORT/...</c> against a vCenter
/// vcsim: <c>GET .../guests/{id}/export</c> streams the OVA with its length, <c>POST .../guests</c>
/// and <c>POST .../storages/{id}/guests</c> import one (with a length or chunked); results are
/// checked in vcsim's datastore folders and through the tests' own probe.
/// </summary>
public sealed class VSphereTransferHttpTests(VcsimVpxFixture vpx) : VcsimHttpTest(vpx), IClassFixture<VcsimVpxFixture>
{
    private readonly List<string> _made = [];

    protected override async Task CleanUpAsync()
    {
        foreach (var name in _made.Where(Probe.GuestExists))
        {
            (await Client.DeleteAsync($"{Base}/guests/{name}", CancellationToken.None)).Dispose();
        }
    }

    [Fact]
    public async Task Export_streams_the_ova_with_its_length_and_import_after_delete_brings_the_guest_back()
    {
        var (name, id, disk) = await CreateGuestWithDataAsync("ss-hova");

        using var export = await Client.GetAsync($"{Base}/guests/{id}/export", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/x-tar", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{name}.ova", export.Content.Headers.ContentDisposition?.FileNameStar ?? export.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var ova = await export.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(ova.Length, export.Content.Headers.ContentLength);
        var entries = ReadTar(ova);
        Assert.Equal([$"{name}.ovf", $"{name}-disk1.vmdk"], entries.Select(e => e.Name));
        await AssertVmdkHoldsAsync(entries[1].Data, disk, Ct);

        using (var deleted = await Client.DeleteAsync($"{Base}/guests/{id}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.False(Probe.GuestExists(name));

        // Chunked (no Content-Length): the OVA's own entry sizes are what the uploads need.
        var body = new StreamContent(new ForwardOnly(ova));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var imported = await Client.PostAsync($"{Base}/guests", body, Ct);
        var text = await imported.Content.ReadAsStringAsync(Ct);
        Assert.True(imported.StatusCode == HttpStatusCode.Created, text);
        var guest = JsonDocument.Parse(text).RootElement;
        Assert.Equal(name, guest.GetProperty("name").GetString());
        Assert.Equal($"{Base}/guests/{guest.GetProperty("id").GetString()}", imported.Headers.Location?.OriginalString);
        Assert.Equal(ProbedPowerStopped, Probe.NativeState(name));
        Assert.Equal(1L << 30, Assert.Single(Probe.Disks(name)).SizeBytes);
    }

    [Fact]
    public async Task Import_onto_a_named_storage_takes_a_length_and_a_running_guest_export_is_409()
    {
        var (name, id, _) = await CreateGuestWithDataAsync("ss-hds");
        using var export = await Client.GetAsync($"{Base}/guests/{id}/export", Ct);
        var entries = ReadTar(await export.Content.ReadAsByteArrayAsync(Ct));
        var copy = Made(NewName("ss-hds-in"));
        var ova = WriteTar(($"{copy}.ovf", Renamed(entries[0].Data, copy)), (entries[1].Name, entries[1].Data));

        using var imported = await Client.PostAsync($"{Base}/storages/LocalDS_0/guests", new ByteArrayContent(ova), Ct);
        Assert.True(imported.StatusCode == HttpStatusCode.Created, await imported.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith("[LocalDS_0] ", Assert.Single(Probe.Disks(copy)).Path, StringComparison.Ordinal);
        Assert.True(Probe.GuestExists(name));

        await AssertErrorAsync(await Client.GetAsync($"{Base}/guests/DC0_H0_VM0/export", Ct), HttpStatusCode.Conflict, "Conflict");
        Assert.Equal("poweredOn", Probe.NativeState("DC0_H0_VM0"));
    }

    [Fact]
    public async Task A_body_that_is_not_an_ova_is_400_and_makes_nothing()
    {
        var before = await VmCountAsync();
        var garbage = RandomNumberGenerator.GetBytes(4096);
        garbage[0] = (byte)'x'; // Not '{': the gateway reads it as an import, not a create.

        await AssertErrorAsync(await Client.PostAsync($"{Base}/guests", new ByteArrayContent(garbage), Ct), HttpStatusCode.BadRequest, "InvalidArguments");
        var diskFirst = WriteTar(("disk.img", new byte[1024]), ("guest.ovf", "<x/>"u8.ToArray()));
        await AssertErrorAsync(await Client.PostAsync($"{Base}/guests", new ByteArrayContent(diskFirst), Ct), HttpStatusCode.BadRequest, "InvalidArguments");
        Assert.Equal(before, await VmCountAsync());
    }

    private const string ProbedPowerStopped = "poweredOff";

    private async Task<(string Name, string Id, byte[] Disk)> CreateGuestWithDataAsync(string prefix)
    {
        var name = Made(NewName(prefix));
        using var created = await Client.PostAsync($"{Base}/guests",
            new StringContent($$"""{"name":"{{name}}","memory":256,"disks":[{"size":1}],"network_interfaces":[{"network":"VM Network"}]}""", Encoding.UTF8, "application/json"), Ct);
        var text = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        var disk = RandomNumberGenerator.GetBytes(64 * 1024 + 100);
        await File.WriteAllBytesAsync(FlatFile(vpx.Vcsim, Probe, name), disk, Ct);
        return (name, JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!, disk);
    }

    private string Made(string name)
    {
        _made.Add(name);
        return name;
    }

    private async Task<int> VmCountAsync()
    {
        using var soap = new VimSoap(vpx.Vcsim);
        var content = await soap.ServiceContentAsync(Ct);
        await soap.LoginAsync(content, vpx.Vcsim.User, vpx.Vcsim.Password, Ct);
        return (await soap.VirtualMachinesAsync(content, Ct)).Count;
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal(error, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
        }
    }

    /// <summary>A body of unknown length, so that HttpClient sends it chunked.</summary>
    private sealed class ForwardOnly(byte[] data) : MemoryStream(data)
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
