using System.Security.Cryptography;
using System.Text.Json;
using Simplestack.Drivers.VSphere.Ovf;

namespace Simplestack.Drivers.VSphere.Tests.Transfer;

/// <summary>
/// The stream-optimized VMDK encoder, read back by an independent reader: Debian's qemu-img
/// (qemu-utils), which reads stream-optimized VMDKs as ovftool and vSphere write them.
/// </summary>
public sealed class StreamOptimizedVmdkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(0, 1L << 20)] // An empty disk: header, descriptor, directory, footer, no grain.
    [InlineData((200 * 1024) + 5, (1L << 20) + 1536)] // A partial last grain, a capacity not whole grains.
    [InlineData((33L << 20) + 7, 40L << 20)] // Past 512 grains: two grain tables.
    [InlineData(1L << 20, 1L << 20)] // Data to the last byte of the capacity.
    public async Task Qemu_img_reads_back_the_raw_bytes_and_the_capacity(long dataBytes, long capacityBytes)
    {
        var raw = RandomNumberGenerator.GetBytes((int)dataBytes);
        var vmdk = new StreamOptimizedVmdk(new MemoryStream(raw), dataBytes, capacityBytes, "disk.vmdk");
        using var encoded = new MemoryStream();
        await vmdk.CopyToAsync(encoded, Ct);
        Assert.Equal(vmdk.Length, encoded.Length); // The length promised before the first byte.
        Assert.Equal(StreamOptimizedVmdk.LengthOf(dataBytes, capacityBytes), encoded.Length);

        var folder = Directory.CreateTempSubdirectory("simplestack-vmdk-");
        try
        {
            var input = Path.Combine(folder.FullName, "disk.vmdk");
            var output = Path.Combine(folder.FullName, "disk.raw");
            await File.WriteAllBytesAsync(input, encoded.ToArray(), Ct);

            var info = JsonDocument.Parse(await OvaTestKit.QemuImgAsync(Ct, "info", "--output=json", "-f", "vmdk", input)).RootElement;
            Assert.Equal("vmdk", info.GetProperty("format").GetString());
            Assert.Equal((capacityBytes + 511) / 512 * 512, info.GetProperty("virtual-size").GetInt64());
            Assert.Equal("streamOptimized", info.GetProperty("format-specific").GetProperty("data").GetProperty("create-type").GetString());

            await OvaTestKit.QemuImgAsync(Ct, "convert", "-f", "vmdk", "-O", "raw", input, output);
            var back = await File.ReadAllBytesAsync(output, Ct);
            Assert.Equal((capacityBytes + 511) / 512 * 512, back.Length);
            Assert.Equal(raw, back[..raw.Length]);
            Assert.All(back[raw.Length..], b => Assert.Equal(0, b));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

}
