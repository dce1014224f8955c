using Simplestack.Cli;

namespace Simplestack.Client.Tests.Cli;

/// <summary>
/// Habits of virsh, govc and incus: a usage error is one line and a hint (JSON on stderr with
/// --json), no .NET type name in a message, "did you mean" only names commands; snapshot names
/// are positional; deleting a running guest takes --force or a yes on the terminal.
/// </summary>
public sealed class CliUsageTests(GatewayFactory factory) : CliTestBase(factory)
{
    [Fact]
    public async Task A_usage_error_is_one_line_and_a_hint_with_nothing_on_stdout()
    {
        var missing = await RunAsync("snapshot", "create");
        Assert.Equal(ExitCodes.Usage, missing.ExitCode);
        Assert.Empty(missing.Out);
        Assert.Equal(2, missing.ErrorLines.Length);
        Assert.Equal(["simplestack: 'simplestack snapshot create' needs <guest>.", "See 'simplestack snapshot create --help'."], missing.ErrorLines);

        var group = await RunAsync("guest");
        Assert.Equal(["simplestack: 'simplestack guest' needs a command: list, show, wait-ip, create, update, delete, clone, export, import, power, reboot, console.", "See 'simplestack guest --help'."], group.ErrorLines);

        var option = await RunAsync("guest", "list", "--frobnicate");
        Assert.Equal(["simplestack: unknown option '--frobnicate' for 'simplestack guest list'.", "See 'simplestack guest list --help'."], option.ErrorLines);

        // Thrown by the command itself, not the parser: the same shape.
        var noMemory = await RunAsync("guest", "create", "x");
        Assert.Equal(["simplestack: Give --memory MiB or --size NAME.", "See 'simplestack guest create --help'."], noMemory.ErrorLines);
    }

    [Fact]
    public async Task Numbers_are_refused_in_words_without_a_dotnet_type_name()
    {
        var memory = await RunAsync("guest", "create", "x", "--memory", "lots");
        Assert.Equal(ExitCodes.Usage, memory.ExitCode);
        Assert.Equal("simplestack: --memory takes a whole number, not 'lots'.", memory.ErrorLines[0]);

        var wait = await RunAsync("guest", "power", "stop", "test", "--wait", "soon");
        Assert.Equal("simplestack: --wait takes a number, not 'soon'.", wait.ErrorLines[0]);

        var size = await RunAsync("disk", "create", "test", "--size", "big");
        Assert.Equal("simplestack: --size takes a number, not 'big'.", size.ErrorLines[0]);
        var active = await RunAsync("nic", "update", "test", "52:54:00:00:00:01", "--active", "maybe");
        Assert.Equal("simplestack: unexpected argument 'maybe' for 'simplestack nic update'.", active.ErrorLines[0]); // a yes/no takes true or false only
        foreach (var run in new[] { memory, wait, size, active })
        {
            Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Did_you_mean_names_only_commands()
    {
        var typo = await RunAsync("guest", "shwo", "test");
        Assert.Equal(ExitCodes.Usage, typo.ExitCode);
        Assert.Equal("simplestack: 'shwo' is not a command of 'simplestack guest'. Did you mean 'show'?", typo.ErrorLines[0]);

        // A guest's name where a command belongs: said plainly, with no guess from the guests.
        var name = await RunAsync("guest", "test");
        Assert.Equal("simplestack: 'test' is not a command of 'simplestack guest'.", name.ErrorLines[0]);
    }

    [Fact]
    public async Task With_json_an_error_is_one_json_object_on_stderr()
    {
        var usage = await RunAsync("snapshot", "create", "--json");
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
        Assert.Empty(usage.Out);
        Assert.Single(usage.ErrorLines);
        Assert.Equal("UsageError", usage.ErrorJson.GetProperty("error").GetString());
        Assert.Equal(ExitCodes.Usage, usage.ErrorJson.GetProperty("exit_code").GetInt32());
        Assert.Equal("See 'simplestack snapshot create --help'.", usage.ErrorJson.GetProperty("hint").GetString());
        Assert.Equal("'simplestack snapshot create' needs <guest>.", usage.ErrorJson.GetProperty("message").GetString());

        var notFound = await RunAsync("guest", "show", "no-such-guest", "--output", "json");
        Assert.Equal(ExitCodes.NotFound, notFound.ExitCode);
        Assert.Equal("EntityNotFound", notFound.ErrorJson.GetProperty("error").GetString());
        Assert.Equal(404, notFound.ErrorJson.GetProperty("status").GetInt32());
        Assert.Equal(ExitCodes.NotFound, notFound.ErrorJson.GetProperty("exit_code").GetInt32());
        Assert.Contains("no-such-guest", notFound.ErrorJson.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snapshot_name_is_positional_and_name_still_works()
    {
        var guest = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", guest, "--memory", "64")).ExitCode);

        var positional = await RunAsync("snapshot", "create", guest, "before", "--json");
        Assert.Equal(0, positional.ExitCode);
        Assert.Equal("before", positional.Json.GetProperty("name").GetString());
        Assert.Equal(0, (await RunAsync("snapshot", "create", guest, "--name", "after")).ExitCode);
        Assert.Equal(0, (await RunAsync("snapshot", "create", guest, "same", "--name", "same")).ExitCode);
        var twoNames = await RunAsync("snapshot", "create", guest, "one", "--name", "other");
        Assert.Equal(ExitCodes.Usage, twoNames.ExitCode);
        Assert.Equal(
            ["after", "before", "same"],
            (await Sdk.Snapshots.ListAsync(guest, Ct)).Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Deleting_a_running_guest_takes_force_or_a_yes_on_the_terminal()
    {
        var guest = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", guest, "--memory", "64", "--start")).ExitCode);

        var refused = await RunAsync("guest", "delete", guest);
        Assert.Equal(ExitCodes.Conflict, refused.ExitCode);
        Assert.Equal($"simplestack: guest '{guest}' is STARTED: stop it first, or give --force to delete it anyway.", refused.Error.Trim());
        Assert.Equal(Models.GuestState.Started, (await Sdk.Guests.GetAsync(guest, Ct)).State);

        var declined = await RunInAsync(new Surroundings { CanPrompt = true, Input = "n\n" }, "guest", "delete", guest);
        Assert.Equal(ExitCodes.Conflict, declined.ExitCode);
        Assert.StartsWith($"Guest '{guest}' is STARTED. Delete it? [y/N] ", declined.Error, StringComparison.Ordinal);
        Assert.NotNull(await Sdk.Guests.GetAsync(guest, Ct));

        var confirmed = await RunInAsync(new Surroundings { CanPrompt = true, Input = "y\n" }, "guest", "delete", guest);
        Assert.Equal(0, confirmed.ExitCode);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Guests.GetAsync(guest, Ct));

        var forced = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", forced, "--memory", "64", "--start")).ExitCode);
        Assert.Equal(0, (await RunAsync("guest", "delete", forced, "--force")).ExitCode);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Guests.GetAsync(forced, Ct));

        // A stopped guest is deleted without a question, as before.
        var stopped = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", stopped, "--memory", "64")).ExitCode);
        Assert.Equal(0, (await RunAsync("guest", "delete", stopped)).ExitCode);
    }
}
