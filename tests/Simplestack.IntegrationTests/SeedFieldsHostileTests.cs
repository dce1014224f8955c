using System.Net;
using System.Text;
using Simplestack.Server.Tests.Hostile;

namespace Simplestack.IntegrationTests;

/// <summary>
/// The hostile-input suite (Simplestack.Server.Tests) runs on the test hypervisor, which cannot
/// upload a NoCloud seed: there every valid <c>user_data</c>/<c>ssh_keys</c> answers 501
/// FeatureNotAvailable, the contract's answer for "this hypervisor cannot do it" (API.md §2). Here
/// the same hostile values for those two fields go to real QEMU, which can: no 5xx, every valid
/// value creates a guest with a seed (deleted again), and none of this test's guests or volumes
/// is left afterwards.
/// </summary>
public sealed class SeedFieldsHostileTests : GatewayOnQemu
{
    [Fact]
    public async Task Hostile_user_data_and_ssh_keys_on_real_qemu_answer_no_5xx_and_leave_nothing_behind()
    {
        var domainsBefore = DomainNames();
        var volumesBefore = VolumePaths();
        var bodies = new List<(string Field, string Value)>();
        foreach (var value in HostileInputs.Strings)
        {
            bodies.Add(("user_data", System.Text.Json.JsonSerializer.Serialize(value)));
            bodies.Add(("ssh_keys", "[" + System.Text.Json.JsonSerializer.Serialize(value) + "]"));
        }

        foreach (var raw in HostileInputs.RawValues)
        {
            bodies.Add(("user_data", raw));
            bodies.Add(("ssh_keys", raw));
        }

        var statuses = new SortedDictionary<int, int>();
        var failures = new List<string>();
        var created = 0;
        var index = 0;
        foreach (var (field, value) in bodies)
        {
            var name = $"ss-seed-{index++:D3}-{Guid.NewGuid():N}"[..20];
            using var content = new StringContent($"{{\"name\":\"{name}\",\"memory\":64,\"{field}\":{value}}}", Encoding.UTF8, "application/json");
            using var response = await Http.PostAsync(Guests(), content, Ct);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(Ct);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status >= 500 || (status >= 400 && !text.Contains("\"error\":", StringComparison.Ordinal)))
            {
                failures.Add($"{field}={Cut(value)} → {status} {Cut(text)}");
            }

            if (response.StatusCode == HttpStatusCode.Created)
            {
                created++;
                var location = response.Headers.Location!.OriginalString;
                using var deleted = await Http.DeleteAsync(location, Ct);
                if (!deleted.IsSuccessStatusCode)
                {
                    failures.Add($"{field}={Cut(value)} → 201 {location}, delete answered {(int)deleted.StatusCode}");
                }
            }
        }

        var line = $"seed fields on kvm/localhost: {bodies.Count} requests, " + string.Join(", ", statuses.Select(s => $"{s.Key}x{s.Value}")) + $"; {created} created and deleted";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "hostile-seed-summary.txt"), line + "\n");
        Assert.True(failures.Count == 0, $"{failures.Count} bad answers:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(created > 50, $"only {created} of the hostile values made a guest; the seed path was hardly exercised");
        Assert.Equal(domainsBefore, DomainNames());
        Assert.Equal(volumesBefore, VolumePaths());
    }

    // Only what this test could have made (its guests are all named ss-seed-...): the other test
    // projects run at the same time on the same libvirtd and make and remove guests of their own.
    private const string OwnPrefix = "ss-seed-";

    private List<string> DomainNames() => [.. Native.ListAllDomains().Select(d => { using (d) { return d.Name; } })
        .Where(n => n.StartsWith(OwnPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private List<string> VolumePaths()
    {
        using var pool = Native.TryLookupStoragePoolByName(Substrate.Pool)!;
        Substrate.TryRefresh(pool);
        return [.. pool.ListAllVolumes().Select(v => { using (v) { return v.Path; } })
            .Where(p => Path.GetFileName(p).StartsWith(OwnPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }

    private static string Cut(string text) => text.Length <= 120 ? text : text[..120] + "...";
}
