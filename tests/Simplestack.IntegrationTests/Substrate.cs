using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.IntegrationTests;

/// <summary>
/// The real substrate these tests need: a libvirtd answering <c>qemu:///system</c> (and
/// <c>lxc:///system</c>), started by <c>eng/substrate/up.sh</c>, and the small guest of
/// <c>eng/guest/build.sh</c>. Missing → the test fails in CI and skips elsewhere, with the reason.
/// </summary>
public static class Substrate
{
    public const string QemuUri = "qemu:///system";
    public const string LxcUri = "lxc:///system";
    public const string Pool = "default";
    public const string ImagePool = "images";
    public const string ImagePoolPath = "/var/lib/simplestack/images";
    public const string NatNetwork = "default";
    public const string OvsBridge = "ovsbr0";
    public const string GuestIsoVolume = "simplestack-guest.iso";
    public const string ReadyMarker = "SIMPLESTACK-GUEST-READY";

    /// <summary>
    /// Refreshes a shared pool when libvirt lets it: a refresh is refused while a copy into the pool
    /// runs (another test's clone), and the list libvirt keeps is current for what it made itself.
    /// </summary>
    public static void TryRefresh(Simplestack.Libvirt.LibvirtStoragePool pool)
    {
        try
        {
            pool.Refresh();
        }
        catch (Simplestack.Libvirt.LibvirtException error) when (error.Message.Contains("asynchronous jobs", StringComparison.Ordinal))
        {
        }
    }

    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>
    /// The volumes a conformance suite counts: the image pool's and those named by the suite
    /// ("ss-..."), not the ones other test projects make on this libvirtd at the same time.
    /// </summary>
    public static bool IsImageOrSuiteVolume(string path)
        => path.StartsWith(ImagePoolPath + "/", StringComparison.Ordinal) || System.IO.Path.GetFileName(path).StartsWith("ss-", StringComparison.Ordinal);

    public static string GuestDirectory =>
        Environment.GetEnvironmentVariable("SIMPLESTACK_GUEST_DIR")
        ?? Path.Combine(Environment.GetEnvironmentVariable("SIMPLESTACK_CACHE") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "simplestack"), "guest");

    /// <summary>CI must not skip these tests: there the substrate is part of the run.</summary>
    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("SIMPLESTACK_REQUIRE_SUBSTRATE") == "1";

    /// <summary>Call first in every substrate test.</summary>
    public static void Require()
    {
        if (Missing.Value is { } reason)
        {
            var message = $"The real-hypervisor substrate is not available: {reason}. Run eng/substrate/up.sh and eng/guest/build.sh (eng/test.sh does both).";
            if (Required)
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }
    }

    private static string? Probe()
    {
        foreach (var file in new[] { "vmlinuz", "initrd.img", "guest.iso" })
        {
            if (!File.Exists(Path.Combine(GuestDirectory, file)))
            {
                return $"the test guest's {file} is not in {GuestDirectory}";
            }
        }

        try
        {
            Libvirt.Libvirt.EnsureInitialized();
            using var connection = LibvirtConnection.Open(QemuUri);
            // eng/guest/install-volumes.sh puts the ISO there before any test project starts.
            return MissingGuestIso(connection, Pool) ?? MissingGuestIso(connection, ImagePool);
        }
        catch (LibvirtException error)
        {
            return $"libvirtd does not answer {QemuUri} ({error.Message})";
        }
    }

    private static string? MissingGuestIso(LibvirtConnection connection, string poolName)
    {
        using var pool = connection.TryLookupStoragePoolByName(poolName);
        if (pool is null || !pool.IsActive)
        {
            return $"libvirtd has no active storage pool '{poolName}'";
        }

        using var volume = pool.TryLookupVolumeByName(GuestIsoVolume);
        return volume is null ? $"pool '{poolName}' has no volume {GuestIsoVolume} (eng/guest/install-volumes.sh uploads it)" : null;
    }

    /// <summary>A new raw volume in <paramref name="pool"/> holding <paramref name="content"/>, uploaded through a libvirt stream.</summary>
    public static LibvirtStorageVolume UploadVolume(LibvirtStoragePool pool, string name, Stream content)
    {
        var volume = pool.CreateVolume(VolumeXml.Build(new VolumeDefinition(name, content.Length, "raw")));
        using var stream = pool.Connection.NewStream();
        volume.Upload(stream, 0, (ulong)content.Length);
        var buffer = new byte[256 * 1024];
        int read;
        while ((read = content.Read(buffer)) > 0)
        {
            for (var offset = 0; offset < read;)
            {
                offset += stream.Send(buffer.AsSpan(offset, read - offset));
            }
        }

        stream.Finish();
        return volume;
    }
}
