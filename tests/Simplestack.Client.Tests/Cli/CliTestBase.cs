using System.Text.Json;
using Simplestack.Cli;
using Simplestack.Client.Configuration;

namespace Simplestack.Client.Tests.Cli;

/// <summary>
/// Runs the <c>simplestack</c> command in process against the in-process gateway, with a
/// configuration file of its own and, when a test asks, its own environment variables, standard
/// input and terminals (nothing of the test process's own environment is read or changed).
/// </summary>
public abstract class CliTestBase : GatewayTestBase, IDisposable
{
    protected CliTestBase(GatewayFactory factory)
        : base(factory)
    {
        ConfigPath = Path.Combine(Path.GetTempPath(), $"simplestack-cli-{Guid.NewGuid():N}.cfg");
        File.WriteAllText(ConfigPath, """
            [default]
            gateway_url = http://localhost
            hypervisor = test
            host = default

            [elsewhere]
            hypervisor = nope

            [instance_types]
            tiny = 1, 64
            """);
    }

    protected string ConfigPath { get; }

    /// <summary>The locations the tool made HttpClients for (what it would have connected to).</summary>
    protected List<SimplestackLocation> Connected { get; } = [];

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        File.Delete(ConfigPath);
    }

    protected sealed record Run(int ExitCode, string Out, string Error)
    {
        public JsonElement Json => JsonDocument.Parse(Out).RootElement;

        public JsonElement ErrorJson => JsonDocument.Parse(Error).RootElement;

        public string[] ErrorLines => Error.TrimEnd().Split('\n');
    }

    /// <summary>What a test may set about the tool's surroundings.</summary>
    protected sealed record Surroundings
    {
        public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

        public string? Input { get; init; }

        public bool CanPrompt { get; init; }

        public bool OutIsTerminal { get; init; }

        /// <summary>Whether standard error is a terminal (progress redrawn in place).</summary>
        public bool Interactive { get; init; }
    }

    protected Task<Run> RunAsync(params string[] args) => RunInAsync(new Surroundings(), args);

    protected Task<Run> RunInAsync(Surroundings surroundings, params string[] args)
        => RunRawAsync(surroundings, ["--config", ConfigPath, .. args]);

    /// <summary>The command line as given, without the test's <c>--config</c> in front (a directive must come first).</summary>
    protected async Task<Run> RunRawAsync(Surroundings surroundings, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var cli = new SimplestackCli(new CliEnvironment
        {
            Out = output,
            Error = error,
            Input = new StringReader(surroundings.Input ?? string.Empty),
            CanPrompt = surroundings.CanPrompt,
            OutIsTerminal = surroundings.OutIsTerminal,
            Interactive = surroundings.Interactive,
            Variables = name => surroundings.Variables.GetValueOrDefault(name),
            HttpFactory = location =>
            {
                Connected.Add(location);
                return Factory.CreateRecordingClient();
            },
        });
        var code = await cli.RunAsync(args, Ct);
        return new Run(code, output.ToString(), error.ToString());
    }
}
