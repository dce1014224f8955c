using System.CommandLine;
using System.CommandLine.Invocation;
using System.Net.Sockets;
using System.Text.Json;
using Simplestack.Cli.Commands;
using Simplestack.Client;
using Simplestack.Client.Configuration;
using Spectre.Console;

namespace Simplestack.Cli;

/// <summary>The process's entry point (a named class: tests host the gateway's own <c>Program</c> next to this one).</summary>
public static class EntryPoint
{
    public static Task<int> Main(string[] args) => new SimplestackCli(CliEnvironment.FromConsole()).RunAsync(args);
}

/// <summary>Exit codes a shell user can act on.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command line is wrong, or the gateway refused the input (400, 411, 413, 422).</summary>
    public const int Usage = 1;

    /// <summary>404: no such guest, disk, network, ... or hypervisor.</summary>
    public const int NotFound = 2;

    /// <summary>409: the name is taken or the resource is in the wrong state.</summary>
    public const int Conflict = 3;

    /// <summary>401 or 403: credentials missing or wrong, or the target is not allowed.</summary>
    public const int Auth = 4;

    /// <summary>502, 503, 504, 500: the hypervisor or the gateway failed.</summary>
    public const int ServerError = 5;

    /// <summary>501: this hypervisor's driver cannot do it.</summary>
    public const int NotImplemented = 6;

    /// <summary>The configuration file is missing or wrong.</summary>
    public const int Configuration = 7;

    /// <summary>The gateway cannot be reached.</summary>
    public const int Unreachable = 8;

    /// <summary>Interrupted.</summary>
    public const int Cancelled = 130;
}

/// <summary>The <c>simplestack</c> command: builds the command tree and runs one command line.</summary>
public sealed class SimplestackCli(CliEnvironment environment)
{
    public CliEnvironment Environment { get; } = environment;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var root = BuildRoot();
        var parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction)
        {
            // One line and a hint, not the whole help text (the parser's own error action prints both).
            var (message, hint) = UsageErrors.Describe(parsed);
            await ReportAsync(new CliFailure(ExitCodes.Usage, message, "UsageError", null), hint, WantsJson(parsed));
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration { Output = Environment.Out, Error = Environment.Error };
        return await parsed.InvokeAsync(configuration, cancellationToken);
    }

    public RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "simplestack: drive hypervisors through a Simplestack gateway.\n"
            + "Locations come from ~/.simplestack/simplestack.cfg (or $SIMPLESTACK_CONFIG, or --config); $SIMPLESTACK_GATEWAY,\n"
            + "$SIMPLESTACK_HYPERVISOR, $SIMPLESTACK_HOST, $SIMPLESTACK_TOKEN (USER:PASSWORD) and $SIMPLESTACK_API_KEY override\n"
            + "the location, and --gateway, --hypervisor, --host override them ('simplestack location list' shows what is in effect).\n"
            + "Exit codes: 0 ok, 1 usage or invalid input, 2 not found, 3 conflict, 4 auth, 5 server/hypervisor error, "
            + "6 not implemented by this hypervisor, 7 configuration error, 8 gateway unreachable, 130 interrupted.");
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(GuestCommands.Build(this));
        root.Subcommands.Add(DeviceCommands.Disk(this));
        root.Subcommands.Add(DeviceCommands.Nic(this));
        root.Subcommands.Add(DeviceCommands.Media(this));
        root.Subcommands.Add(DeviceCommands.Tag(this));
        root.Subcommands.Add(DeviceCommands.Snapshot(this));
        root.Subcommands.Add(InfrastructureCommands.Network(this));
        root.Subcommands.Add(InfrastructureCommands.Storage(this));
        root.Subcommands.Add(InfrastructureCommands.Volume(this));
        root.Subcommands.Add(InfrastructureCommands.Host(this));
        root.Subcommands.Add(InfrastructureCommands.Pool(this));
        root.Subcommands.Add(InfrastructureCommands.Image(this));
        root.Subcommands.Add(InfrastructureCommands.Size(this));
        root.Subcommands.Add(EventsCommands.Build(this));
        root.Subcommands.Add(LocationCommands.Build(this));
        root.Subcommands.Add(CompletionCommands.Build());
        UsageErrors.UseFriendlyNumberParsers(root);
        CompletionCommands.CompleteGuestNames(root, this);
        return root;
    }

    /// <summary>Sets a command's action: a context for the chosen location, the body, and errors turned into one line and an exit code.</summary>
    internal void Action(Command command, Func<CliContext, CancellationToken, Task> body)
        => command.SetAction(async (parseResult, cancellationToken) =>
        {
            CliContext? context = null;
            try
            {
                context = CliContext.Create(this, parseResult);
                await body(context, cancellationToken);
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                var failure = Describe(e, cancellationToken);
                var hint = e is CliUsageException ? $"See '{UsageErrors.CommandPath(parseResult.CommandResult)} --help'." : null;
                await ReportAsync(failure, hint, WantsJson(parseResult));
                return failure.Code;
            }
            finally
            {
                context?.Dispose();
            }
        });

    /// <summary>The exit code, the one-line message and the error word (with the HTTP status, if any) of a failure.</summary>
    public static CliFailure Describe(Exception e, CancellationToken cancellationToken = default) => e switch
    {
        SimplestackApiException api => new((int)api.Status switch
        {
            400 or 411 or 413 or 422 => ExitCodes.Usage,
            401 or 403 => ExitCodes.Auth,
            404 => ExitCodes.NotFound,
            409 => ExitCodes.Conflict,
            501 => ExitCodes.NotImplemented,
            _ => ExitCodes.ServerError,
        }, $"{OneLine(api.Message)} ({(int)api.Status} {api.Error})", api.Error, (int)api.Status),
        ConfigurationException config => new(ExitCodes.Configuration, OneLine(config.Message), "ConfigurationError", null),
        CliUsageException usage => new(ExitCodes.Usage, OneLine(usage.Message), "UsageError", null),
        CliConflictException conflict => new(ExitCodes.Conflict, OneLine(conflict.Message), "Conflict", null),
        OperationCanceledException when cancellationToken.IsCancellationRequested => new(ExitCodes.Cancelled, "interrupted.", "Interrupted", null),
        HttpRequestException { InnerException: SocketException or IOException } or HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
            => new(ExitCodes.Unreachable, $"cannot reach the gateway: {OneLine(e.Message)}", "GatewayUnreachable", null),
        HttpRequestException or TaskCanceledException => new(ExitCodes.Unreachable, $"the gateway did not answer: {OneLine(e.Message)}", "GatewayUnreachable", null),
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException => new(ExitCodes.Usage, OneLine(e.Message), "UsageError", null),
        IOException => new(ExitCodes.ServerError, OneLine(e.Message), "Error", null),
        NotSupportedException => new(ExitCodes.NotImplemented, OneLine(e.Message), "FeatureNotImplemented", null),
        _ => new(ExitCodes.ServerError, $"unexpected error: {OneLine(e.Message)}", "Error", null),
    };

    /// <summary>
    /// A failure on stderr: <c>simplestack: MESSAGE</c> and the hint on a second line, or with
    /// <c>--json</c> (or <c>--output json</c>) one JSON object a script can parse.
    /// </summary>
    private async Task ReportAsync(CliFailure failure, string? hint, bool json)
    {
        if (json)
        {
            await Environment.Error.WriteLineAsync(JsonSerializer.Serialize(
                new ErrorLine(failure.Error, failure.Message, failure.Status, failure.Code, hint), ErrorJson));
            return;
        }

        await Environment.Error.WriteLineAsync($"simplestack: {failure.Message}");
        if (hint is not null)
        {
            await Environment.Error.WriteLineAsync(hint);
        }
    }

    /// <summary>Whether the command line asks for JSON, read from its tokens: it may not have parsed.</summary>
    private static bool WantsJson(ParseResult result)
    {
        var tokens = result.Tokens.Select(t => t.Value).ToList();
        return tokens.Contains(GlobalOptions.Json.Name)
            || tokens.Zip(tokens.Skip(1)).Any(pair => pair.First == GlobalOptions.Output.Name && pair.Second == "json");
    }

    private static readonly JsonSerializerOptions ErrorJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // 'guest' rather than \u0027guest\u0027
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record ErrorLine(string Error, string Message, int? Status, int ExitCode, string? Hint);

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>A failure as the tool reports it: exit code, one-line message, error word (the gateway's, or the tool's own) and HTTP status.</summary>
public sealed record CliFailure(int Code, string Message, string Error, int? Status);

/// <summary>The command line itself is wrong in a way the parser cannot see (exit 1).</summary>
public sealed class CliUsageException(string message) : Exception(message)
{
    public CliUsageException()
        : this("usage error")
    {
    }

    public CliUsageException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>The resource is in the wrong state for the command, found before asking the gateway (exit 3, as a 409).</summary>
public sealed class CliConflictException(string message) : Exception(message)
{
    public CliConflictException()
        : this("conflict")
    {
    }

    public CliConflictException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

internal static class ConsoleFactory
{
    public static IAnsiConsole Create(TextWriter writer, bool interactive, int width)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            console.Profile.Width = width;
        }

        return console;
    }
}
