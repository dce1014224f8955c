using System.CommandLine;

namespace Simplestack.Cli.Commands;

/// <summary><c>simplestack location list</c>: the configuration file's locations and what is in effect.</summary>
internal static class LocationCommands
{
    public static Command Build(SimplestackCli cli)
    {
        var location = new Command("location", "Locations: the sections of the configuration file");
        var list = new Command(
            "list",
            "List locations; the one in effect (*) shows its values after $SIMPLESTACK_* and the flags, and where each came from");
        cli.Action(list, (context, _) =>
        {
            context.List(
                Rows(context.Effective),
                ("CURRENT", r => r.Current ? "*" : string.Empty),
                ("NAME", r => r.Name),
                ("GATEWAY", r => r.GatewayUrl),
                ("HYPERVISOR", r => r.Hypervisor),
                ("HOST", r => r.Host),
                ("USER", r => r.Username),
                ("API KEY", r => r.ApiKeySet ? "set" : null),
                ("FROM", r => From(r.Sources)));
            return Task.CompletedTask;
        });
        location.Subcommands.Add(list);
        return location;
    }

    /// <summary>One location as listed. <see cref="Sources"/>: per field, "file", "built-in", a variable or a flag ("" when unset).</summary>
    internal sealed record Row(
        string Name,
        bool Current,
        string GatewayUrl,
        string Hypervisor,
        string Host,
        string? Username,
        bool ApiKeySet,
        string? File,
        IReadOnlyDictionary<string, string> Sources);

    private static List<Row> Rows(EffectiveLocation effective)
        => [.. effective.Configuration.Locations.Select(file =>
        {
            var current = file.Name == effective.Location.Name;
            var l = current ? effective.Location : file;
            var sources = current ? effective.Sources : EffectiveLocation.Fields.ToDictionary(
                f => f,
                f => f switch
                {
                    "username" => file.Username is null ? string.Empty : "file",
                    "api_key" => file.ApiKey is null ? string.Empty : "file",
                    _ => "file",
                });
            return new Row(l.Name, current, l.GatewayUrl.ToString(), l.Hypervisor, l.Host, l.Username, l.ApiKey is not null, effective.Configuration.Path, sources);
        })];

    /// <summary>What overrides the file, as "SIMPLESTACK_HOST, --hypervisor"; else "file" (or "built-in" without one).</summary>
    private static string From(IReadOnlyDictionary<string, string> sources)
    {
        var overrides = EffectiveLocation.Fields.Select(f => sources[f]).Where(s => s is not ("" or "file" or "built-in")).Distinct().ToList();
        return overrides.Count > 0 ? string.Join(", ", overrides) : sources["gateway_url"];
    }
}
