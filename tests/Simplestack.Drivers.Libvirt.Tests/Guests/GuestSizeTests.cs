using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Tests.Guests;

/// <summary>
/// A guest's <c>hdd</c> is the size of its disks, whatever its state. A disk that is a file
/// outside any storage pool (as the test hypervisor's built-in guest has) is sized by libvirt's
/// block info, which libvirt gives for a stopped guest too: it used to read 1024 GiB running and
/// 0 stopped.
/// </summary>
public sealed class GuestSizeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_disk_outside_any_pool_has_the_same_size_stopped_and_running()
    {
        await using var connection = await LibvirtDriver.Test(new LibvirtDriverOptions()).ConnectAsync(new HypervisorTarget("test", "default"), null, Ct);
        var name = $"ss-size-{Guid.NewGuid():N}";
        using var domain = ((LibvirtHypervisorConnection)connection).Native.DefineDomain(
            $"""
            <domain type='test'>
              <name>{name}</name>
              <memory unit='KiB'>131072</memory>
              <os><type arch='x86_64'>hvm</type></os>
              <devices>
                <disk type='file' device='disk'><source file='/guest/{name}.img'/><target dev='vda' bus='virtio'/></disk>
              </devices>
            </domain>
            """);
        try
        {
            var stopped = await connection.GetGuestAsync(name, Ct);
            await ((IGuestPower)connection).SetPowerAsync(name, PowerAction.Start, null, Ct);
            var running = await connection.GetGuestAsync(name, Ct);

            Assert.Equal(GuestState.STOPPED, stopped.State);
            Assert.Equal(GuestState.STARTED, running.State);
            Assert.True(stopped.Hdd > 0, $"hdd {stopped.Hdd}");
            Assert.Equal(running.Hdd, stopped.Hdd);
        }
        finally
        {
            if (domain.IsActive)
            {
                domain.Destroy();
            }

            domain.Undefine();
        }
    }
}
