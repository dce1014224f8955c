using System.CommandLine;

namespace Simplestack.Cli;

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
        Description = "Write JSON for scripts instead of tables (the same as --output json)",
        Recursive = true,
    };

    public static readonly Option<string?> Output = CreateOutput();

    public static readonly Option<bool> NoHeaders = new("--no-headers")
    {
        Description = "Leave out the header row of tables and CSV",
        Recursive = true,
    };

    public static readonly Option<string?> Gateway = new("--gateway")
    {
        Description = "The gateway URL, overriding $SIMPLESTACK_GATEWAY and the location's gateway_url",
        Recursive = true,
    };

    public static readonly Option<string?> Hypervisor = new("--hypervisor")
    {
        Description = "The hypervisor (test, kvm, lxc, ...), overriding $SIMPLESTACK_HYPERVISOR and the location's",
        Recursive = true,
    };

    public static readonly Option<string?> Host = new("--host")
    {
        Description = "The host, overriding $SIMPLESTACK_HOST and the location's",
        Recursive = true,
    };

    public static readonly Option<bool> NoProgress = new("--no-progress")
    {
        Description = "Do not draw progress bars",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Say more on standard error (the Idempotency-Key a create sends)",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Config, Location, Json, Output, NoHeaders, Gateway, Hypervisor, Host, NoProgress, Verbose];

    private static Option<string?> CreateOutput()
    {
        var output = new Option<string?>("--output")
        {
            Description = "table (the default; plain columns when not a terminal), json, yaml or csv",
            Recursive = true,
            HelpName = "table|json|yaml|csv",
        };
        output.AcceptOnlyFromAmong(OutputFormats.Names);
        return output;
    }
}
