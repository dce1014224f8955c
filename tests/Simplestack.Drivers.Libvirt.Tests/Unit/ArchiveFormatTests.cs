using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Simplestack.Core;
using Simplestack.Core.Transfer;
using Simplestack.Drivers.Libvirt.Tests.Xml;
using Simplestack.Drivers.Libvirt.Transfer;

namespace Simplestack.Drivers.Libvirt.Tests.Unit;

public sealed class ArchiveFormatTests
{
    [Theory]
    [InlineData(0, 512)]
    [InlineData(1, 1024)]
    [InlineData(512, 1024)]
    [InlineData(513, 1536)]
    public void Entry_lengths_are_a_header_plus_whole_blocks(long data, long expected) => Assert.Equal(expected, ArchiveFormat.EntryLength(data));

    [Theory]
    [InlineData(new long[] { 0 })]
    [InlineData(new long[] { 700, 1_048_576, 513 })]
    [InlineData(new long[] { 3, 5_000_001, 1, 10 })]
    public async Task The_computed_length_is_what_a_ustar_writer_produces_through_a_forward_only_stream(long[] sizes)
    {
        var payloads = sizes.Select((size, i) => Enumerable.Range(0, (int)size).Select(b => (byte)(b * 7 + i)).ToArray()).ToList();
        var sink = new NonSeekableSink();
        var digests = new List<string>();
        await using (var writer = new TarWriter(sink, TarEntryFormat.Ustar, leaveOpen: true))
        {
            for (var i = 0; i < payloads.Count; i++)
            {
                var source = new MemoryStream(payloads[i]);
                await using var data = new ForwardStream(payloads[i].Length, (buffer, ct) => source.ReadAsync(buffer, ct));
                await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, $"disks/vd{(char)('a' + i)}.qcow2") { DataStream = data }, TestContext.Current.CancellationToken);
                digests.Add(data.Sha256Hex());
            }
        }

        Assert.Equal(ArchiveFormat.ArchiveLength(sizes), sink.Written.Length);
        Assert.Equal(payloads.Select(p => Convert.ToHexStringLower(SHA256.HashData(p))), digests);

        await using var reader = new TarReader(new MemoryStream(sink.Written.ToArray()));
        for (var i = 0; i < payloads.Count; i++)
        {
            var entry = await reader.GetNextEntryAsync(copyData: true, TestContext.Current.CancellationToken);
            Assert.NotNull(entry);
            var copy = new MemoryStream();
            if (entry.DataStream is { } stream)
            {
                // A zero-length entry has no data stream.
                await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
            }

            Assert.Equal(payloads[i], copy.ToArray());
        }
    }

    [Fact]
    public async Task A_forward_stream_whose_source_ends_early_fails_instead_of_writing_a_short_entry()
    {
        await using var data = new ForwardStream(10, (_, _) => ValueTask.FromResult(0));
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await data.ReadExactlyAsync(new byte[10], TestContext.Current.CancellationToken));
    }

    [Fact]
    public void The_manifest_length_does_not_depend_on_the_digest_values()
    {
        var disks = new[] { new GuestManifestDisk("vda", "virtio", "qcow2", 1 << 30, "disks/vda.qcow2", 12345, ArchiveFormat.PlaceholderDigest) };
        var manifest = LibvirtGuestManifest.Describe(XmlAssert.Golden("domain-qemu.xml"), disks);
        var placeholder = ArchiveFormat.Serialize(manifest);
        var real = ArchiveFormat.Serialize(manifest with { Disks = [disks[0] with { Sha256 = Convert.ToHexStringLower(SHA256.HashData([1, 2, 3])) }] });
        Assert.Equal(placeholder.Length, real.Length);
        var back = ArchiveFormat.ReadManifest(real);
        Assert.Equal("vda", Assert.Single(back.Disks).Device);
        Assert.Equal(2, back.FormatVersion);
        Assert.NotNull(back.Neutral);
    }

    /// <summary>manifest.json exactly as servers before format version 2 wrote it.</summary>
    internal const string Version1Manifest = """
        {
          "format_version": 1,
          "name": "web1",
          "uuid": "4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
          "disks": [
            {
              "target": "vda",
              "entry": "disks/vda.qcow2",
              "format": "qcow2",
              "capacity_bytes": 1073741824,
              "file_bytes": 196616,
              "sha256": "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"
            }
          ],
          "format": "simplestack-guest"
        }
        """;

    [Fact]
    public void A_version_1_manifest_is_still_read()
    {
        var read = ArchiveFormat.ReadManifest(Encoding.UTF8.GetBytes(Version1Manifest));
        Assert.Equal(1, read.FormatVersion);
        Assert.Null(read.Neutral);
        Assert.Equal(new ArchivedDisk("vda", "disks/vda.qcow2", 196616, "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"), Assert.Single(read.Disks));
    }

    [Theory]
    [InlineData("""{"format_version": 1, "name": "x", "uuid": "u"}""")]
    [InlineData("""{"format_version": 1, "name": "x", "uuid": "u", "disks": null}""")]
    [InlineData("""{"format_version": 1, "name": "x", "uuid": "u", "disks": [null]}""")]
    [InlineData("""{"format_version": 1, "name": "x", "uuid": "u", "disks": [{"target": "vda"}]}""")]
    [InlineData("""{"format_version": 1, "name": "x", "uuid": "u", "disks": [{"target": "vda", "entry": "e", "format": "raw", "capacity_bytes": 1, "file_bytes": -1, "sha256": "00"}]}""")]
    [InlineData("""{"format_version": 1, "name": "x", "uuid": "u", "disks": [{"target": "vda", "entry": "e", "format": "raw", "capacity_bytes": 1, "file_bytes": 1e300, "sha256": "00"}]}""")]
    [InlineData("""{"format_version": 0}""")]
    [InlineData("""{"format_version": 99}""")]
    public void A_broken_manifest_of_either_version_is_a_400(string json)
        => Assert.Throws<InvalidArgumentException>(() => ArchiveFormat.ReadManifest(Encoding.UTF8.GetBytes(json)));

    /// <summary>Like an HTTP response body: write-only, no seeking, no length.</summary>
    private sealed class NonSeekableSink : Stream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
    }
}
