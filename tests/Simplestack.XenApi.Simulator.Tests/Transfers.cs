using System.Formats.Tar;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>
/// The simulator's HTTP handlers as a client drives them: GET /export and PUT /import with a
/// task, over HTTPS to the pinned certificate; and a VM to move, with two disks whose bytes are
/// known (one small with a short last block, one of 20 GiB barely written) and a CD.
/// </summary>
internal sealed class Transfers : IDisposable
{
    public const int MiB = 1 << 20;

    /// <summary>3 MiB and 512 bytes: the last block is short, the second is never written.</summary>
    public const long SmallSize = 3L * MiB + 512;

    private readonly XenApiSimulator _simulator;
    private readonly Rpc _rpc;
    private readonly HttpClient _http;

    public Transfers(XenApiSimulator simulator, Rpc rpc)
    {
        (_simulator, _rpc) = (simulator, rpc);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.RawData)) == simulator.CertificateSha256,
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async Task<string> NewTaskAsync(string session) =>
        (await _rpc.ResultAsync("task.create", session, "transfer", ""))!.GetValue<string>();

    public async Task<JsonObject> TaskAsync(string session, string task) =>
        (JsonObject)(await _rpc.ResultAsync("task.get_record", session, task))!;

    public Task<HttpResponseMessage> ExportAsync(string query) =>
        _http.GetAsync(new Uri(_simulator.Url, "export?" + query), HttpCompletionOption.ResponseHeadersRead, Cancel);

    /// <summary>PUT /import with a Content-Length, or chunked when asked.</summary>
    public async Task<HttpResponseMessage> ImportAsync(string query, byte[] body, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_simulator.Url, "import?" + query))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }
        var response = await _http.SendAsync(request, Cancel);
        await response.Content.LoadIntoBufferAsync(Cancel);
        return response;
    }

    /// <summary>The whole export of a VM, with the task that tracked it; fails the test on anything but 200.</summary>
    public async Task<(byte[] Xva, string Task, HttpResponseMessage Response)> ExportVmAsync(string session, string vmRef)
    {
        var task = await NewTaskAsync(session);
        var response = await ExportAsync($"session_id={session}&task_id={task}&ref={vmRef}");
        Assert.Equal(200, (int)response.StatusCode);
        using var body = new MemoryStream();
        await (await response.Content.ReadAsStreamAsync(Cancel)).CopyToAsync(body, Cancel);
        return (body.ToArray(), task, response);
    }

    /// <summary>The archive's files in order, with their contents.</summary>
    public static List<(string Name, byte[] Data)> Untar(byte[] xva)
    {
        var files = new List<(string, byte[])>();
        using var reader = new TarReader(new MemoryStream(xva));
        while (reader.GetNextEntry() is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            files.Add((entry.Name, data.ToArray()));
        }
        return files;
    }

    public static byte[] Tar(IEnumerable<(string Name, byte[] Data)> files)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, data) in files)
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }
        return output.ToArray();
    }

    /// <summary>
    /// build-01 (halted) with a second, small disk; known bytes go into both disks. Returns the
    /// VM's ref and the two VDIs' uuids.
    /// </summary>
    public async Task<(string Vm, string SmallVdi, string BigVdi)> PrepareVmAsync(string session)
    {
        var vm = (await _rpc.ResultAsync("VM.get_by_name_label", session, "build-01"))![0]!.GetValue<string>();
        var sr = _simulator.Uuids("SR").Single(uuid => (string?)_simulator.Record("SR", uuid)!["name_label"] == "Local storage");
        var srRef = (await _rpc.ResultAsync("SR.get_by_uuid", session, sr))!.GetValue<string>();
        var vdi = (await _rpc.ResultAsync("VDI.create", session, new Dictionary<string, object?>
        {
            ["name_label"] = "small", ["SR"] = srRef, ["virtual_size"] = SmallSize, ["type"] = "user",
            ["sharable"] = false, ["read_only"] = false, ["other_config"] = new Dictionary<string, string>(),
        }))!.GetValue<string>();
        await _rpc.ResultAsync("VBD.create", session, new Dictionary<string, object?>
        {
            ["VM"] = vm, ["VDI"] = vdi, ["userdevice"] = "1", ["bootable"] = false, ["mode"] = "RW", ["type"] = "Disk", ["empty"] = false,
        });
        var smallUuid = (await _rpc.ResultAsync("VDI.get_uuid", session, vdi))!.GetValue<string>();
        var bigUuid = _simulator.FindByNameLabel("VDI", "build-01 disk 0").Single();

        _simulator.WriteVdi(smallUuid, 0, Pattern(100_000, seed: 1));
        _simulator.WriteVdi(smallUuid, 2L * MiB + 10, Pattern(5000, seed: 2));
        _simulator.WriteVdi(smallUuid, SmallSize - 512, Pattern(512, seed: 3));
        _simulator.WriteVdi(bigUuid, 10_000L * MiB + 4096, Pattern(4096, seed: 4));
        return (vm, smallUuid, bigUuid);
    }

    public static byte[] Pattern(int length, int seed) =>
        Enumerable.Range(0, length).Select(i => (byte)((i * 31 + seed * 17) % 251 + 1)).ToArray();

    public void Dispose() => _http.Dispose();
}
