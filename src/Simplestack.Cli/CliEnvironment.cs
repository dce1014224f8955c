using Simplestack.Client.Configuration;

namespace Simplestack.Cli;

/// <summary>Where the tool writes, what it reads, and how it reaches the gateway; tests pass their own.</summary>
public sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Where a confirmation is read from (standard input).</summary>
    public TextReader Input { get; init; } = TextReader.Null;

    /// <summary>Whether progress bars may redraw in place (stderr is a terminal).</summary>
    public bool Interactive { get; init; }

    /// <summary>Whether standard output is a terminal: boxed tables there, plain columns in a pipe or a file.</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>Whether the tool may ask a question (standard input and standard error are terminals).</summary>
    public bool CanPrompt { get; init; }

    /// <summary>Reads an environment variable (SIMPLESTACK_GATEWAY, ...); tests pass their own.</summary>
    public Func<string, string?> Variables { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Makes the HttpClient of a location; null: a plain one per location.</summary>
    public Func<SimplestackLocation, HttpClient>? HttpFactory { get; init; }

    /// <summary>Standard input as bytes, for <c>guest console</c>; tests pass their own.</summary>
    public Func<Stream> OpenInput { get; init; } = Console.OpenStandardInput;

    /// <summary>Standard output as bytes, for <c>guest console</c>; tests pass their own.</summary>
    public Func<Stream> OpenOutput { get; init; } = Console.OpenStandardOutput;

    /// <summary>Whether standard input is a terminal (<c>guest console</c> then puts it in raw mode).</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>Opens the console's WebSocket; null: a <see cref="System.Net.WebSockets.ClientWebSocket"/> (tests connect in process).</summary>
    public Simplestack.Client.Operations.WebSocketConnector? WebSocketConnector { get; init; }

    /// <summary>Output width for tables when the output is not a terminal.</summary>
    public int Width { get; init; } = 200;

    public static CliEnvironment FromConsole() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        Input = Console.In,
        Interactive = !Console.IsErrorRedirected,
        OutIsTerminal = !Console.IsOutputRedirected,
        CanPrompt = !Console.IsInputRedirected && !Console.IsErrorRedirected,
        InputIsTerminal = !Console.IsInputRedirected,
    };
}
