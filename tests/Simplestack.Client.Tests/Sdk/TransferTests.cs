using System.Formats.Tar;
using Simplestack.Client.Models;

namespace Simplestack.Client.Tests.Sdk;

public class TransferTests(GatewayFactory factory) : GatewayTestBase(factory)
{
    /// <summary>Records every report, synchronously.</summary>
    private sealed class Recorder : IProgress<long>
    {
        public List<long> Reports { get; } = [];

        public void Report(long value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }
        }
    }

    [Fact]
    public async Task Export_delete_import_gives_the_guest_back_with_progress()
    {
        // Without disks: the test hypervisor cannot download volumes (no virStorageVolDownload).
        var guest = await CreateGuestAsync();
        await Sdk.Tags.AddAsync(guest.Id, "exported", Ct);

        var archive = new MemoryStream();
        var exportProgress = new Recorder();
        var written = await Sdk.Guests.ExportAsync(guest.Id, archive, exportProgress, Ct);
        Assert.Equal(archive.Length, written);
        Assert.True(written > 0);
        Assert.Equal(written, exportProgress.Reports[^1]);
        Assert.Equal(exportProgress.Reports.Order(), exportProgress.Reports);

        // A POSIX tar with the manifest and the domain's XML.
        archive.Position = 0;
        var names = new List<string>();
        using (var reader = new TarReader(archive, leaveOpen: true))
        {
            while (await reader.GetNextEntryAsync(cancellationToken: Ct) is { } entry)
            {
                names.Add(entry.Name);
            }
        }

        Assert.Contains("manifest.json", names);
        Assert.Contains("domain.xml", names);

        await Sdk.Guests.DeleteAsync(guest.Id, cancellationToken: Ct);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Guests.GetAsync(guest.Name, Ct));

        archive.Position = 0;
        var importProgress = new Recorder();
        var back = await Sdk.Guests.ImportAsync(archive, progress: importProgress, cancellationToken: Ct);
        Assert.Equal(guest.Name, back.Name);
        Assert.Equal(guest.Memory, back.Memory);
        Assert.Equal(archive.Length, importProgress.Reports[^1]);
        Assert.Equal(guest.Name, (await Sdk.Guests.GetAsync(guest.Name, Ct)).Name);
    }

    [Fact]
    public async Task Import_streams_from_a_non_seekable_source_into_a_named_storage()
    {
        var guest = await CreateGuestAsync();
        await using var export = await Sdk.Guests.OpenExportAsync(guest.Id, Ct);
        var bytes = new MemoryStream();
        await export.CopyToAsync(bytes, cancellationToken: Ct);
        if (export.Length is { } length)
        {
            Assert.Equal(length, bytes.Length);
        }

        Assert.False(string.IsNullOrEmpty(export.FileName));
        await Sdk.Guests.DeleteAsync(guest.Id, cancellationToken: Ct);

        // Chunked upload: the length is unknown to the client.
        var source = new NonSeekable(bytes.ToArray());
        var back = await Sdk.Storages.ImportGuestAsync("default-pool", source, null, Ct);
        Assert.Equal(guest.Name, back.Name);
    }

    [Fact]
    public async Task Exporting_a_running_guest_is_a_conflict()
    {
        var guest = await CreateGuestAsync(start: true);
        await Assert.ThrowsAsync<ConflictException>(() => Sdk.Guests.ExportAsync(guest.Id, Stream.Null, null, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Guests.ExportAsync("no-such-guest", Stream.Null, null, Ct));
    }

    [Fact]
    public async Task Clone_copies_a_stopped_guest_and_refuses_a_running_one()
    {
        var guest = await CreateGuestAsync(disks: [new DiskSpec(1)]);
        var name = UniqueName("clone");
        var clone = await Sdk.Guests.CloneAsync(guest.Id, name, Ct);
        Assert.Equal(name, clone.Name);
        Assert.NotEqual(guest.Id, clone.Id);
        var disks = await Sdk.Disks.ListAsync(clone.Id, Ct);
        Assert.Single(disks);
        Assert.NotEqual((await Sdk.Disks.ListAsync(guest.Id, Ct))[0].Path, disks[0].Path);

        var running = await CreateGuestAsync(start: true);
        await Assert.ThrowsAsync<ConflictException>(() => Sdk.Guests.CloneAsync(running.Id, UniqueName("clone"), Ct));
    }

    private sealed class NonSeekable(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
