using Simplestack.Cli;

namespace Simplestack.Client.Tests.Cli;

/// <summary>The gateway's progress on a terminal, and <c>--idempotency-key</c> on creating commands.</summary>
public class CliLongWorkTests(GatewayFactory factory) : CliTestBase(factory)
{
    private static readonly CliTestBase.Surroundings Terminal = new() { Interactive = true };

    private async Task<string> StoppedGuestWithADiskAsync()
    {
        var name = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", name, "--memory", "64", "--disk", "1")).ExitCode);
        return name;
    }

    [Fact]
    public async Task A_clone_on_a_terminal_draws_the_gateways_progress_on_one_line()
    {
        var source = await StoppedGuestWithADiskAsync();

        var clone = await RunInAsync(Terminal, "guest", "clone", source, source + "-c");

        Assert.Equal(0, clone.ExitCode);
        Assert.Contains($"\rCloning {source} to {source}-c (1 GiB of disks): starting", clone.Error, StringComparison.Ordinal);
        Assert.Contains("100.0% done", clone.Error, StringComparison.Ordinal);
        Assert.Single(clone.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // redrawn in place, one line in the end
        Assert.Contains(source + "-c", clone.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_progress_line_with_json_or_without_a_terminal()
    {
        var source = await StoppedGuestWithADiskAsync();

        var json = await RunInAsync(Terminal, "guest", "clone", source, source + "-j", "--json");
        var piped = await RunAsync("guest", "clone", source, source + "-p");

        Assert.Equal((0, 0), (json.ExitCode, piped.ExitCode));
        Assert.Equal(source + "-j", json.Json.GetProperty("name").GetString());
        Assert.DoesNotContain("% ", json.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("% ", piped.Error, StringComparison.Ordinal);
        Assert.Contains("done in", piped.Error, StringComparison.Ordinal); // the summary line a log gets, as before
    }

    [Fact]
    public async Task A_snapshot_on_a_terminal_draws_progress()
    {
        var guest = await StoppedGuestWithADiskAsync();

        var snapshot = await RunInAsync(Terminal, "snapshot", "create", guest, "s1");

        Assert.Equal(0, snapshot.ExitCode);
        Assert.Contains($"Snapshotting {guest}: ", snapshot.Error, StringComparison.Ordinal);
        Assert.Contains("100.0% done", snapshot.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_on_a_terminal_draws_the_gateways_progress()
    {
        var name = UniqueName(); // the test hypervisor exports guests without disks only
        Assert.Equal(0, (await RunAsync("guest", "create", name, "--memory", "64")).ExitCode);
        var file = Path.Combine(Path.GetTempPath(), $"{name}.tar");
        try
        {
            Assert.Equal(0, (await RunAsync("guest", "export", name, "-o", file)).ExitCode);
            Assert.Equal(0, (await RunAsync("guest", "delete", name)).ExitCode);

            var import = await RunInAsync(Terminal, "guest", "import", file);

            Assert.Equal(0, import.ExitCode);
            Assert.Contains($"\rImporting {name}.tar: starting", import.Error, StringComparison.Ordinal);
            Assert.Contains("100.0% done", import.Error, StringComparison.Ordinal);
            Assert.Equal(name, (await Sdk.Guests.GetAsync(name, Ct)).Name);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_same_idempotency_key_answers_the_first_guest_and_another_request_is_refused()
    {
        var name = UniqueName();
        var key = "cli-" + Guid.NewGuid();

        var first = await RunAsync("guest", "create", name, "--memory", "64", "--idempotency-key", key, "--json");
        var again = await RunAsync("guest", "create", name, "--memory", "64", "--idempotency-key", key, "--json");
        var other = await RunAsync("guest", "create", name + "x", "--memory", "64", "--idempotency-key", key, "--json");

        Assert.Equal((0, 0), (first.ExitCode, again.ExitCode));
        Assert.Equal(first.Json.GetProperty("id").GetString(), again.Json.GetProperty("id").GetString());
        Assert.Equal(ExitCodes.Usage, other.ExitCode);
        Assert.Equal("IdempotencyKeyReused", other.ErrorJson.GetProperty("error").GetString());
        Assert.Single(await Sdk.Guests.ListAsync(new Models.GuestFilter(Name: name + "*"), Ct));
    }

    [Fact]
    public async Task The_generated_key_is_said_only_with_verbose()
    {
        var quiet = await RunAsync("guest", "create", UniqueName(), "--memory", "64");
        var verbose = await RunAsync("guest", "create", UniqueName(), "--memory", "64", "--verbose");

        Assert.Equal((0, 0), (quiet.ExitCode, verbose.ExitCode));
        Assert.DoesNotContain("Idempotency-Key", quiet.Error, StringComparison.Ordinal);
        var said = Assert.Single(verbose.ErrorLines, l => l.StartsWith("Idempotency-Key: ", StringComparison.Ordinal));
        Assert.True(Guid.TryParse(said["Idempotency-Key: ".Length..], out _));
    }

    [Fact]
    public async Task A_key_the_gateway_would_refuse_is_a_usage_error()
    {
        var run = await RunAsync("snapshot", "create", "test", "--idempotency-key", new string('k', 256));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--idempotency-key", run.Error, StringComparison.Ordinal);
    }
}
