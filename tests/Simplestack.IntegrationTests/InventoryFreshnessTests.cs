using System.Diagnostics;
using System.Net;
using Simplestack.Core;

namespace Simplestack.IntegrationTests;

/// <summary>
/// The gateway answers lists from an in-memory inventory kept current by libvirt's domain
/// lifecycle events (issue 5). On the real libvirtd: a change made with <c>virsh</c> beside the
/// gateway (define, rename, start, stop, undefine) shows in the gateway's list within 100 ms of
/// virsh returning, and the gateway's own writes show on the very next read, with no waiting.
/// </summary>
public sealed class InventoryFreshnessTests : GatewayOnQemu
{
    /// <summary>The freshness bound the issue sets for changes made outside the gateway.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task Changes_made_with_virsh_show_in_the_list_within_100_ms()
    {
        var name = NewName("fresh");
        var renamed = NewName("fresh");
        await ListAsync(); // the first list fills the inventory; from here on lists answer from memory

        var xml = Path.Combine(Path.GetTempPath(), name + ".xml");
        await File.WriteAllTextAsync(
            xml,
            $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>",
            Ct);
        try
        {
            Virsh("define", xml);
        }
        finally
        {
            File.Delete(xml);
        }

        var lag = new Dictionary<string, TimeSpan>();
        var defined = await ShowsAsync("define", lag, guests => guests.FirstOrDefault(g => g.Name == name) is { State: GuestState.STOPPED });
        var uuid = defined.Single(g => g.Name == name).Id;

        Virsh("domrename", name, renamed);
        await ShowsAsync("rename", lag, guests => guests.Any(g => g.Id == uuid && g.Name == renamed) && guests.All(g => g.Name != name));

        Virsh("start", renamed);
        await ShowsAsync("start", lag, guests => guests.Any(g => g.Id == uuid && g.State == GuestState.STARTED));

        Virsh("suspend", renamed);
        await ShowsAsync("suspend", lag, guests => guests.Any(g => g.Id == uuid && g.State == GuestState.PAUSED));

        Virsh("destroy", renamed);
        await ShowsAsync("destroy", lag, guests => guests.Any(g => g.Id == uuid && g.State == GuestState.STOPPED));

        Virsh("undefine", renamed);
        await ShowsAsync("undefine", lag, guests => guests.All(g => g.Id != uuid));

        TestContext.Current.TestOutputHelper?.WriteLine("inventory lag after virsh: " + string.Join(", ", lag.Select(l => $"{l.Key} {l.Value.TotalMilliseconds:0.0} ms")));
        Assert.All(lag, l => Assert.True(l.Value <= Bound, $"'{l.Key}' showed after {l.Value.TotalMilliseconds:0.0} ms, more than {Bound.TotalMilliseconds} ms"));
    }

    [Fact]
    public async Task The_gateways_own_writes_show_on_the_very_next_list()
    {
        var name = NewName("own");
        var renamed = NewName("own");
        await ListAsync();

        var created = await CreateGuestAsync(new { name, memory = 32, cpus = 1 });
        Assert.Contains(await ListAsync(), g => g.Id == created.Id && g.Name == name && g.State == GuestState.STOPPED);

        await ExpectAsync(HttpMethod.Put, Guests("/" + created.Id), new { name = renamed, cpus = 2, memory = 48 }, HttpStatusCode.OK);
        var updated = Assert.Single(await ListAsync(), g => g.Id == created.Id);
        Assert.Equal((renamed, 2, 48L), (updated.Name, updated.Cpus, updated.Memory));

        await ExpectAsync(HttpMethod.Put, Guests("/" + created.Id + "/power"), new { state = "start" }, HttpStatusCode.OK);
        Assert.Contains(await ListAsync(), g => g.Id == created.Id && g.State == GuestState.STARTED);

        await ExpectAsync(HttpMethod.Put, Guests("/" + created.Id + "/power"), new { state = "pause" }, HttpStatusCode.OK);
        Assert.Contains(await ListAsync(), g => g.Id == created.Id && g.State == GuestState.PAUSED);

        await ExpectAsync(HttpMethod.Put, Guests("/" + created.Id + "/power"), new { state = "force_stop" }, HttpStatusCode.OK);
        Assert.Contains(await ListAsync(), g => g.Id == created.Id && g.State == GuestState.STOPPED);

        await ExpectAsync(HttpMethod.Delete, Guests("/" + created.Id), null, HttpStatusCode.NoContent);
        Assert.DoesNotContain(await ListAsync(), g => g.Id == created.Id);
    }

    private Task<List<Guest>> ListAsync() => SendAsync<List<Guest>>(HttpMethod.Get, Guests(), null, HttpStatusCode.OK);

    /// <summary>Lists until <paramref name="shown"/> holds, recording how long after the change it took; fails after 5 s.</summary>
    private async Task<List<Guest>> ShowsAsync(string change, Dictionary<string, TimeSpan> lag, Func<List<Guest>, bool> shown)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var guests = await ListAsync();
            if (shown(guests))
            {
                lag[change] = clock.Elapsed;
                return guests;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"'{change}' made with virsh never showed in the gateway's list");
            await Task.Delay(1, Ct);
        }
    }

    private static void Virsh(params string[] arguments)
    {
        var start = new ProcessStartInfo("virsh", ["-q", "-c", Substrate.QemuUri, .. arguments]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"virsh {string.Join(' ', arguments)} failed: {error}");
    }
}
