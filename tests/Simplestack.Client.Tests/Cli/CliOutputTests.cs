using System.Text.Json;
using Simplestack.Cli;

namespace Simplestack.Client.Tests.Cli;

/// <summary>
/// Output for pipes: plain columns (no box drawing) when stdout is not a terminal, <c>--no-headers</c>,
/// <c>--output json|yaml|csv|table</c>, and pool names rather than UUIDs in lists.
/// </summary>
public sealed class CliOutputTests(GatewayFactory factory) : CliTestBase(factory)
{
    private static readonly char[] BoxDrawing = ['─', '│', '┌', '┐', '└', '┘', '├', '┤', '┬', '┴', '┼', '━'];

    [Fact]
    public async Task In_a_pipe_a_list_is_plain_columns_with_or_without_headers()
    {
        var plain = await RunAsync("guest", "list");
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(-1, plain.Out.IndexOfAny(BoxDrawing));
        var lines = plain.Out.TrimEnd().Split('\n');
        Assert.Matches(@"^ID\s+NAME\s+STATE\s+CPUS\s+MEMORY \(MiB\)\s+HDD \(GiB\)\s+IP$", lines[0]);
        var test = Assert.Single(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == "test");
        Assert.Equal("STARTED", test.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]); // `awk '{print $3}'` works
        Assert.All(lines, l => Assert.Equal(l.TrimEnd(), l));

        var bare = await RunAsync("guest", "list", "--no-headers");
        Assert.Equal(lines.Length - 1, bare.Out.TrimEnd().Split('\n').Length);
        Assert.DoesNotContain("NAME", bare.Out, StringComparison.Ordinal);

        // On a terminal: the boxed table, as before.
        var terminal = await RunInAsync(new Surroundings { OutIsTerminal = true }, "guest", "list");
        Assert.NotEqual(-1, terminal.Out.IndexOfAny(BoxDrawing));
        var shown = await RunAsync("guest", "show", "test");
        Assert.Matches(@"(?m)^state\s+STARTED$", shown.Out);
    }

    [Fact]
    public async Task Output_csv_has_one_header_row_and_quotes_what_needs_it()
    {
        var csv = await RunAsync("guest", "list", "--output", "csv");
        Assert.Equal(0, csv.ExitCode);
        var lines = csv.Out.TrimEnd('\n').Split('\n');
        Assert.Equal("ID,NAME,STATE,CPUS,MEMORY (MiB),HDD (GiB),IP", lines[0]);
        Assert.Contains(lines, l => l.Split(',')[1] == "test" && l.Split(',')[2] == "STARTED");
        Assert.DoesNotContain("ID,NAME", (await RunAsync("guest", "list", "--output", "csv", "--no-headers")).Out, StringComparison.Ordinal);

        var network = UniqueName("net");
        Assert.Equal(0, (await RunAsync("network", "create", network, "--description", "web, \"front\"")).ExitCode);
        var networks = await RunAsync("network", "list", "--output", "csv", "--no-headers");
        Assert.Contains($"{network},", networks.Out, StringComparison.Ordinal);
        Assert.Contains("\"web, \"\"front\"\"\"", networks.Out, StringComparison.Ordinal);

        var one = await RunAsync("guest", "show", "test", "--output", "csv");
        var rows = one.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(2, rows.Length);
        Assert.StartsWith("id,name,state,", rows[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_json_is_the_same_as_json_and_yaml_carries_the_same_data()
    {
        var json = await RunAsync("guest", "list", "--json");
        Assert.Equal(json.Out, (await RunAsync("guest", "list", "--output", "json")).Out);

        var yaml = await RunAsync("guest", "list", "--output", "yaml");
        Assert.Equal(0, yaml.ExitCode);
        Assert.StartsWith("- id: ", yaml.Out, StringComparison.Ordinal);
        Assert.Contains("\n  name: test\n", yaml.Out, StringComparison.Ordinal);
        Assert.Contains("\n  state: STARTED\n", yaml.Out, StringComparison.Ordinal);

        var conflict = await RunAsync("guest", "list", "--json", "--output", "csv");
        Assert.Equal(ExitCodes.Usage, conflict.ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("guest", "list", "--output", "xml")).ExitCode);
    }

    [Fact]
    public async Task Lists_name_pools_rather_than_their_uuids()
    {
        var pool = await Sdk.Storages.GetAsync("default-pool", Ct);
        Assert.NotEqual(pool.Name, pool.Id);
        var volume = UniqueName("vol") + ".img";
        Assert.Equal(0, (await RunAsync("volume", "create", "default-pool", volume, "--size", "1")).ExitCode);

        var volumes = await RunAsync("volume", "list", "--no-headers");
        var row = Assert.Single(volumes.Out.Split('\n'), l => l.Contains(volume, StringComparison.Ordinal));
        Assert.StartsWith("default-pool ", row, StringComparison.Ordinal);
        Assert.DoesNotContain(pool.Id, volumes.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("volume", "delete", "default-pool", volume)).ExitCode);
    }

    [Fact]
    public void Yaml_quotes_what_would_read_as_something_else()
    {
        var data = JsonSerializer.SerializeToElement(new
        {
            name = "web1",
            path = "/var/lib/libvirt/images/web1.qcow2",
            yes = "yes",
            number = "10",
            empty = string.Empty,
            colon = "a: b",
            nothing = (string?)null,
            count = 3,
            on = true,
            tags = new[] { "x", "null" },
            none = Array.Empty<string>(),
            nested = new { inner = new[] { new { a = 1, b = "two words" } } },
        });
        Assert.Equal(
            """
            name: web1
            path: /var/lib/libvirt/images/web1.qcow2
            "yes": "yes"
            number: "10"
            empty: ""
            colon: "a: b"
            nothing: null
            count: 3
            "on": true
            tags:
              - x
              - "null"
            none: []
            nested:
              inner:
                - a: 1
                  b: "two words"

            """.ReplaceLineEndings("\n"),
            Yaml.Write(data));
    }
}
