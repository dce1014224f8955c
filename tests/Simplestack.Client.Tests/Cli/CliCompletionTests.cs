using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Simplestack.Cli;

namespace Simplestack.Client.Tests.Cli;

/// <summary>
/// Shell completion: System.CommandLine's <c>[suggest:N]</c> directive offers commands, options
/// and the gateway's guest names; the bash script of <c>simplestack completion bash</c>, sourced by
/// a real bash, completes through the built tool against a gateway on a loopback port.
/// </summary>
public sealed class CliCompletionTests(GatewayFactory factory) : CliTestBase(factory)
{
    private async Task<string[]> SuggestAsync(string line)
    {
        var run = await RunRawAsync(
            new Surroundings { Variables = new Dictionary<string, string> { ["SIMPLESTACK_CONFIG"] = ConfigPath } },
            $"[suggest:{line.Length}]",
            line);
        Assert.Equal(0, run.ExitCode);
        return run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [Fact]
    public async Task The_suggest_directive_offers_commands_and_guest_names()
    {
        var name = UniqueName("suggested"); // a prefix no other test's guest has (the test hypervisor is shared)
        await CreateGuestAsync(name);

        Assert.Equal(["show"], await SuggestAsync("guest sh"));
        var guests = await SuggestAsync("guest show ");
        Assert.Contains(name, guests);
        Assert.Contains("test", guests);
        Assert.Equal([name], (await SuggestAsync("snapshot list suggested")).Where(s => !s.StartsWith('-')));
        // Only where a guest belongs: a snapshot's name is not completed with guests.
        Assert.DoesNotContain(name, await SuggestAsync($"snapshot show {name} "));
    }

    [Fact]
    public async Task The_completion_command_prints_a_script_for_bash_and_for_zsh()
    {
        var bash = await RunAsync("completion", "bash");
        Assert.Equal(0, bash.ExitCode);
        Assert.Contains("complete -o default -F _simplestack_complete simplestack", bash.Out, StringComparison.Ordinal);
        var zsh = await RunAsync("completion", "zsh");
        Assert.Contains("compdef _simplestack_complete simplestack", zsh.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("completion", "fish")).ExitCode);
    }

    [Fact]
    public async Task Bash_completes_verbs_and_guest_names_through_the_built_tool()
    {
        const string Script = """
            eval "$(simplestack completion bash)"
            complete_line() {
              COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
              read -ra COMP_WORDS <<< "$COMP_LINE"
              [ "${COMP_LINE: -1}" = " " ] && COMP_WORDS+=("")
              COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
              _simplestack_complete
              echo "${COMPREPLY[*]}"
            }
            complete_line "simplestack gu"
            complete_line "simplestack guest sh"
            complete_line "simplestack guest power start bashguest"
            """;
        var (name, lines) = await CompleteInShellAsync("bash", "bashguest", ["-c", Script]);
        Assert.Equal(["guest", "show", name], lines[..3]);
    }

    [Fact]
    public async Task Zsh_completes_verbs_and_guest_names_through_the_built_tool()
    {
        // Outside an interactive shell: compdef and compadd stand in for zsh's completion system
        // (compadd would filter by the typed prefix itself, so the stand-in keeps only those).
        const string Script = """
            compdef() { }
            compadd() { local c; for c in "${(@P)2}"; do [[ $c == ${words[CURRENT]}* ]] && print -n -- "$c "; done; print }
            eval "$(simplestack completion zsh)"
            words=(simplestack gu); CURRENT=2; _simplestack_complete
            words=(simplestack guest sh); CURRENT=3; _simplestack_complete
            words=(simplestack guest power start zshguest); CURRENT=5; _simplestack_complete
            """;
        var (name, lines) = await CompleteInShellAsync("zsh", "zshguest", ["-f", "-c", Script]);
        Assert.Equal(["guest", "show", name], lines[..3].Select(l => l.Trim()));
    }

    /// <summary>
    /// Runs a shell script with <c>simplestack</c> (the tool this test project built, run by dotnet)
    /// on PATH and a gateway on a loopback port holding one guest <c>{prefix}-*</c>; returns its name
    /// and the script's output lines. Gateways in one process share the test hypervisor, so each
    /// test completes its own prefix, which no other test's guest has. A missing shell skips, except in CI, where eng/test.sh installs it.
    /// </summary>
    private async Task<(string Guest, string[] Lines)> CompleteInShellAsync(string shell, string prefix, string[] arguments)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, shell)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            var reason = $"{shell} is not installed (eng/test.sh installs it).";
            Assert.True(!string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), reason + " CI=true does not allow skipping it.");
            Assert.Skip(reason);
        }

        await using var gateway = new GatewayFactory();
        gateway.UseKestrel(0);
        gateway.StartServer();
        var url = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var sdk = SimplestackClient.Create(new Uri(url), SimplestackTarget.Test);
        var name = UniqueName(prefix);
        await sdk.Guests.CreateAsync(new Models.GuestCreateRequest { Name = name, Memory = 64 }, Ct);

        var bin = Directory.CreateTempSubdirectory("simplestack-bin-");
        try
        {
            var tool = Path.Combine(bin.FullName, "simplestack");
            await File.WriteAllTextAsync(tool, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "simplestack.dll")}' \"$@\"\n", Ct);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var start = new ProcessStartInfo(path, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["PATH"] = bin.FullName + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
            start.Environment["SIMPLESTACK_CONFIG"] = ConfigPath;
            start.Environment["SIMPLESTACK_GATEWAY"] = url;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(Ct);
            var error = process.StandardError.ReadToEndAsync(Ct);
            await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromMinutes(2), Ct);
            Assert.True(process.ExitCode == 0, await error);
            return (name, (await output).Split('\n'));
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }
}
