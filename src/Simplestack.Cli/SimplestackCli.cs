using System.CommandLine;
using System.Net.Sockets;
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

    /// <summary>The command line is wrong, or the gateway refused the input (400, 411, 413).</summary>
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

/// <summary>Where the tool writes and how it reaches the gateway; tests pass their own.</summary>
public sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Whether progress bars may redraw in place (stderr is a terminal).</summary>
    public bool Interactive { get; init; }

    /// <summary>Makes the HttpClient of a location; null: a plain one per location.</summary>
    public Func<SimplestackLocation, HttpClient>? HttpFactory { get; init; }

    /// <summary>Output width for tables when the output is not a terminal.</summary>
    public int Width { get; init; } = 200;

    public static CliEnvironment FromConsole() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        Interactive = !Console.IsErrorRedirected,
    };
}

/// <summary>The <c>simplestack</c> command: builds the command tree and runs one command line.</summary>
public sealed class SimplestackCli(CliEnvironment environment)
{
    public CliEnvironment Environment { get; } = environment;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var root = BuildRoot();
        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = Environment.Out, Error = Environment.Error };
        return await parsed.InvokeAsync(configuration, cancellationToken);
    }

    public RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "simplestack: drive hypervisors through a Simplestack gateway.\n"
            + "Locations come from ~/.simplestack/simplestack.cfg (or $SIMPLESTACK_CONFIG, or --config).\n"
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
        root.Subcommands.Add(InfrastructureCommands.Location(this));
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
                var (code, message) = Describe(e, cancellationToken);
                await Environment.Error.WriteLineAsync($"simplestack: {message}");
                return code;
            }
            finally
            {
                context?.Dispose();
            }
        });

    /// <summary>The exit code and the one-line message of a failure.</summary>
    public static (int Code, string Message) Describe(Exception e, CancellationToken cancellationToken = default) => e switch
    {
        SimplestackApiException api => ((int)api.Status switch
        {
            400 or 411 or 413 => ExitCodes.Usage,
            401 or 403 => ExitCodes.Auth,
            404 => ExitCodes.NotFound,
            409 => ExitCodes.Conflict,
            501 => ExitCodes.NotImplemented,
            _ => ExitCodes.ServerError,
        }, $"{OneLine(api.Message)} ({(int)api.Status} {api.Error})"),
        ConfigurationException config => (ExitCodes.Configuration, OneLine(config.Message)),
        CliUsageException usage => (ExitCodes.Usage, OneLine(usage.Message)),
        CliConflictException conflict => (ExitCodes.Conflict, OneLine(conflict.Message)),
        OperationCanceledException when cancellationToken.IsCancellationRequested => (ExitCodes.Cancelled, "interrupted."),
        HttpRequestException { InnerException: SocketException or IOException } or HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
            => (ExitCodes.Unreachable, $"cannot reach the gateway: {OneLine(e.Message)}"),
        HttpRequestException or TaskCanceledException => (ExitCodes.Unreachable, $"the gateway did not answer: {OneLine(e.Message)}"),
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException => (ExitCodes.Usage, OneLine(e.Message)),
        IOException => (ExitCodes.ServerError, OneLine(e.Message)),
        NotSupportedException => (ExitCodes.NotImplemented, OneLine(e.Message)),
        _ => (ExitCodes.ServerError, $"unexpected error: {OneLine(e.Message)}"),
    };

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

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

/// <summary>The options every command takes.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Config = new("--config", "-c")
    {
        Description = "The configuration file (default: $SIMPLESTACK_CONFIG, else ~/.simplestack/simplestack.cfg)",
        Recursive = true,
    };

    public static readonly Option<string?> Location = new("--location", "-l")
    {
        Description = "The location: a section of the configuration file (default: [default])",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write JSON for scripts instead of tables",
        Recursive = true,
    };

    public static readonly Option<string?> Gateway = new("--gateway")
    {
        Description = "The gateway URL, overriding the location's gateway_url",
        Recursive = true,
    };

    public static readonly Option<string?> Hypervisor = new("--hypervisor")
    {
        Description = "The hypervisor, overriding the location's (test, kvm, lxc, ...)",
        Recursive = true,
    };

    public static readonly Option<string?> Host = new("--host")
    {
        Description = "The host, overriding the location's",
        Recursive = true,
    };

    public static readonly Option<bool> NoProgress = new("--no-progress")
    {
        Description = "Do not draw progress bars",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Config, Location, Json, Gateway, Hypervisor, Host, NoProgress];
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
