using System.Diagnostics;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Inventory;

/// <summary>The guest inventory on a standalone ESX vcsim, and on a vcsim that dies under it (its own process).</summary>
public sealed class InventoryRunTests(VcsimEsxFixture esx) : IClassFixture<VcsimEsxFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_ESX_a_seeded_list_makes_no_call_and_the_gateways_own_power_change_shows_in_the_next_list()
    {
        await using var connection = await VcsimConnection.OpenAsync(esx.Vcsim, cancellationToken: Ct);
        Assert.Equal(["ha-host_VM0", "ha-host_VM1"], (await connection.ListGuestsAsync(Ct)).Select(g => g.Name));
        var calls = InventoryVcsimTests.CallsBesidesTheWait(connection);

        Assert.All(await connection.ListGuestsAsync(Ct), g => Assert.Equal(GuestState.STARTED, g.State));
        Assert.Equal(calls, InventoryVcsimTests.CallsBesidesTheWait(connection));

        await connection.SetPowerAsync("ha-host_VM1", PowerAction.Pause, null, Ct);
        Assert.Equal(GuestState.PAUSED, (await connection.ListGuestsAsync(Ct)).Single(g => g.Name == "ha-host_VM1").State);
        await connection.SetPowerAsync("ha-host_VM1", PowerAction.Resume, null, Ct);
        Assert.Equal(GuestState.STARTED, (await connection.ListGuestsAsync(Ct)).Single(g => g.Name == "ha-host_VM1").State);
        Assert.Equal(1, connection.Inventory.Seeds);
    }

    [Fact]
    public async Task When_vcsim_dies_a_list_answers_503_promptly_and_never_hangs()
    {
        await using var vcsim = await VcsimProcess.StartAsync(cancellationToken: Ct);
        await using var connection = await VcsimConnection.OpenAsync(vcsim, cancellationToken: Ct);
        Assert.Equal(4, (await connection.ListGuestsAsync(Ct)).Count);

        Assert.Equal(0, await vcsim.StopAsync(Ct));

        var watch = Stopwatch.StartNew();
        while (true)
        {
            var list = Stopwatch.StartNew();
            try
            {
                await connection.ListGuestsAsync(Ct); // from memory until the loop finds the server gone
            }
            catch (HypervisorUnavailableException error)
            {
                Assert.InRange(list.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
                Assert.DoesNotContain(vcsim.Password, error.ToString(), StringComparison.Ordinal);
                break;
            }

            Assert.InRange(list.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
            Assert.True(watch.Elapsed < InventoryVcsimTests.Bound, "The lists were still served from memory after the server died.");
            await Task.Delay(100, Ct);
        }

        Assert.False(connection.Inventory.IsSeeded);
        Assert.True(connection.Inventory.Enabled); // an unreachable server is no refusal: the inventory is used again once it is back
    }
}
