using System.CommandLine;
using System.CommandLine.Completions;
using Simplestack.Client.Configuration;

namespace Simplestack.Cli.Commands;

/// <summary>
/// Shell completion through System.CommandLine's own <c>[suggest:N]</c> directive:
/// <c>simplestack completion bash|zsh</c> prints a script that asks the tool itself, and every
/// <c>&lt;guest&gt;</c> argument completes with the names of the guests of the location in effect.
/// </summary>
internal static class CompletionCommands
{
    /// <summary>How long a completion may wait for the gateway: a shell must not hang on a Tab.</summary>
    private static readonly TimeSpan GuestListLimit = TimeSpan.FromSeconds(3);

    public static Command Build()
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command(
            "completion",
            "Print the shell completion script: eval \"$(simplestack completion bash)\" in ~/.bashrc, or zsh in ~/.zshrc")
        {
            shell,
        };
        command.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Output.Write(parseResult.GetValue(shell) == "zsh" ? Zsh : Bash);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Gives every argument named <c>guest</c> the gateway's guest names as completions.</summary>
    public static void CompleteGuestNames(Command command, SimplestackCli cli)
    {
        foreach (var argument in command.Arguments.Where(a => a.Name == "guest"))
        {
            argument.CompletionSources.Add(context => Completing(argument, context) ? GuestNames(context, cli) : []);
        }

        foreach (var subcommand in command.Subcommands)
        {
            CompleteGuestNames(subcommand, cli);
        }
    }

    /// <summary>
    /// Whether the word under the cursor is this argument's: System.CommandLine also asks an argument
    /// that already has its value (<c>snapshot show web1 |</c> would offer guests for the snapshot).
    /// </summary>
    private static bool Completing(Argument argument, CompletionContext context)
        => context.ParseResult.GetResult(argument) is not { Tokens: [.., var last] } || last.Value == context.WordToComplete;

    private static IEnumerable<CompletionItem> GuestNames(CompletionContext context, SimplestackCli cli)
    {
        try
        {
            var location = EffectiveLocation.Resolve(context.ParseResult, cli.Environment.Variables).Location;
            using var http = cli.Environment.HttpFactory?.Invoke(location);
            using var client = location.CreateClient(http);
            using var limit = new CancellationTokenSource(GuestListLimit);
            var guests = client.Guests.ListAsync(limit.Token).GetAwaiter().GetResult();
            return [.. guests.Select(g => g.Name)
                .Where(n => n.StartsWith(context.WordToComplete, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .Select(n => new CompletionItem(n))];
        }
#pragma warning disable CA1031 // A completion that cannot reach the gateway offers nothing rather than failing the shell.
        catch (Exception)
#pragma warning restore CA1031
        {
            return [];
        }
    }

    // Both scripts hand the words after the tool's own name, up to the cursor, to
    // `simplestack "[suggest:LENGTH]" "WORDS"` and offer what it prints, one per line.
    private const string Bash = """
        # simplestack completion for bash: eval "$(simplestack completion bash)"
        _simplestack_complete() {
          local IFS=$'\n' line="${COMP_LINE:0:COMP_POINT}"
          local args="${line#*[[:space:]]}"
          [ "$args" = "$line" ] && args=""
          COMPREPLY=($(compgen -W "$(command simplestack "[suggest:${#args}]" "$args" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _simplestack_complete simplestack

        """;

    private const string Zsh = """
        # simplestack completion for zsh: eval "$(simplestack completion zsh)" (after compinit)
        _simplestack_complete() {
          local args="${(j: :)words[2,CURRENT]}"
          local -a candidates
          candidates=("${(@f)$(command simplestack "[suggest:${#args}]" "$args" 2>/dev/null)}")
          compadd -a candidates
        }
        compdef _simplestack_complete simplestack

        """;
}
