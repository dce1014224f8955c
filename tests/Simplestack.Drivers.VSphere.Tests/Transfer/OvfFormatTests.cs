using System.Formats.Tar;
using System.Text;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Ovf;

namespace Simplestack.Drivers.VSphere.Tests.Transfer;

/// <summary>The OVF descriptor writer and reader and the OVA tar arithmetic, without a vSphere server.</summary>
public sealed class OvfFormatTests
{
    private static readonly OvfSystem Web = new(
        "web 1", "otherGuest64", "vmx-13", 2, 512,
        [new OvfController(1000, false, "VirtualSCSI", 0)],
        [new OvfDisk("web_1-disk1.vmdk", 1234, 1L << 30, OvfDescriptor.StreamOptimizedFormat, 1000, 0), new OvfDisk("web_1-disk2.vmdk", 0, 1L << 31, OvfDescriptor.StreamOptimizedFormat, 1000, 1)],
        [new OvfNic("VM Network", "VmxNet3"), new OvfNic("VM Network", "E1000")]);

    [Fact]
    public void What_the_writer_writes_the_reader_reads_back()
    {
        var package = OvfPackage.Read(OvfDescriptor.Write(Web));

        Assert.Equal("web 1", package.Name);
        Assert.Equal([("web_1-disk1.vmdk", (long?)1234, OvfDescriptor.StreamOptimizedFormat), ("web_1-disk2.vmdk", 0, OvfDescriptor.StreamOptimizedFormat)],
            package.Files.Select(f => (f.Href, f.Size, f.DiskFormat)));
        Assert.Equal(["VM Network"], package.Networks);
    }

    [Fact]
    public void A_vm_without_disks_or_nics_has_no_empty_sections()
    {
        var bare = OvfDescriptor.Write(Web with { Controllers = [], Disks = [], Nics = [] });
        var envelope = System.Xml.Linq.XDocument.Parse(Encoding.UTF8.GetString(bare)).Root!;

        Assert.Null(envelope.Element(OvfDescriptor.OvfNs + "DiskSection"));
        Assert.Null(envelope.Element(OvfDescriptor.OvfNs + "NetworkSection"));
        var package = OvfPackage.Read(bare);
        Assert.Empty(package.Files);
        Assert.Equal("web 1", package.Name);
    }

    [Theory]
    [InlineData("http://169.254.169.254/disk.img")]
    [InlineData("../../etc/passwd")]
    [InlineData("sub/disk.img")]
    [InlineData("..")]
    public void A_file_referenced_by_url_or_path_is_400(string href)
    {
        var text = Encoding.UTF8.GetString(OvfDescriptor.Write(Web)).Replace("web_1-disk1.vmdk", href, StringComparison.Ordinal);
        Assert.Throws<InvalidArgumentException>(() => OvfPackage.Read(Encoding.UTF8.GetBytes(text)));
    }

    [Theory]
    [InlineData("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>")]
    [InlineData("<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/2\"/>")]
    [InlineData("<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\"/>")]
    [InlineData("not xml")]
    [InlineData("")]
    public void A_descriptor_that_is_not_one_ovf_1_virtual_system_is_400(string text)
        => Assert.Throws<InvalidArgumentException>(() => OvfPackage.Read(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void A_disk_item_naming_no_disk_or_no_controller_is_400()
    {
        var text = Encoding.UTF8.GetString(OvfDescriptor.Write(Web));
        Assert.Throws<InvalidArgumentException>(() => OvfPackage.Read(Encoding.UTF8.GetBytes(text.Replace("ovf:/disk/vmdisk2", "ovf:/disk/nothing", StringComparison.Ordinal))));
        Assert.Throws<InvalidArgumentException>(() => OvfPackage.Read(Encoding.UTF8.GetBytes(text.Replace("<rasd:Parent>3</rasd:Parent>", "<rasd:Parent>99</rasd:Parent>", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("web-1", "web-1")]
    [InlineData("tête à/tête", "t_te___t_te")]
    [InlineData("..", "guest")]
    [InlineData("", "guest")]
    public void File_stems_are_plain_ascii(string name, string stem) => Assert.Equal(stem, OvaArchive.FileStem(name));

    [Fact]
    public async Task The_archive_length_is_what_the_tar_writer_writes_even_past_ustars_8_GiB()
    {
        const long big = (8L << 30) + 1;
        var sink = new CountingSink();
        await using (var tar = new TarWriter(sink, TarEntryFormat.Ustar, leaveOpen: true))
        {
            await tar.WriteEntryAsync(OvaArchive.Entry("a.ovf", new MemoryStream(new byte[700])), TestContext.Current.CancellationToken);
            await tar.WriteEntryAsync(OvaArchive.Entry("a-disk1.img", new KnownLengthStream(new Zeros(), big)), TestContext.Current.CancellationToken);
        }

        Assert.Equal(OvaArchive.ArchiveLength([700, big]), sink.Length);
        Assert.Equal(0x80, sink.SecondHeader[124]); // GNU base-256 size: what ustar's octal field cannot hold.
    }

    /// <summary>Counts what is written; keeps the second entry's header.</summary>
    private sealed class CountingSink : Stream
    {
        private long _length;

        public byte[] SecondHeader { get; } = new byte[512];

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            const long second = 512 + 1024; // The descriptor's header and its 700 bytes padded.
            for (var i = 0; i < buffer.Length; i++)
            {
                var at = _length + i;
                if (at >= second && at < second + 512)
                {
                    SecondHeader[at - second] = buffer[i];
                }

                if (at >= second + 512)
                {
                    break;
                }
            }

            _length += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Endless zeros, cheaply.</summary>
    private sealed class Zeros : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            buffer.Span.Clear();
            return ValueTask.FromResult(buffer.Length);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
