using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Simplestack.Client;
using Simplestack.Client.Compute;
using Simplestack.Client.Configuration;
using Spectre.Console;

namespace Simplestack.Cli;

/// <summary>One command's run: the chosen location, its gateway client, and the output.</summary>
internal sealed class CliContext : IDisposable
{
    /// <summary>The gateway a fresh machine runs (<c>eng/run.sh</c>), used when there is no configuration file.</summary>
    public static readonly Uri BuiltInGateway = new("http://127.0.0.1:8080");

    private static readonly JsonSerializerOptions IndentedJson = new(SimplestackJson.Options)
    {
        WriteIndented = true,
        // Scripts read stable keys: a null is written, not left out.
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
    };

    private readonly Lazy<ComputeDriver> _driver;

    private CliContext(SimplestackCli cli, ParseResult parseResult, SimplestackConfiguration configuration, SimplestackLocation location)
    {
        Cli = cli;
        ParseResult = parseResult;
        Configuration = configuration;
        Location = location;
        Json = parseResult.GetValue(GlobalOptions.Json);
        ShowProgress = !parseResult.GetValue(GlobalOptions.NoProgress);
        var environment = cli.Environment;
        Out = ConsoleFactory.Create(environment.Out, interactive: false, environment.Width);
        Error = ConsoleFactory.Create(environment.Error, environment.Interactive, environment.Width);
        _driver = new Lazy<ComputeDriver>(() => new ComputeDriver(
            SimplestackConfiguration.FromLocation(location, configuration.InstanceTypes),
            null,
            environment.HttpFactory));
    }

    public SimplestackCli Cli { get; }

    public ParseResult ParseResult { get; }

    public SimplestackConfiguration Configuration { get; }

    public SimplestackLocation Location { get; }

    public bool Json { get; }

    public bool ShowProgress { get; }

    public IAnsiConsole Out { get; }

    public IAnsiConsole Error { get; }

    /// <summary>The compute layer on the chosen location (sizes merge the file's instance types).</summary>
    public ComputeDriver Driver => _driver.Value;

    /// <summary>The gateway client of the chosen location.</summary>
    public SimplestackClient Client => Driver.ClientFor();

    public T Get<T>(Option<T> option) => ParseResult.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => ParseResult.GetValue(argument)!;

    public static CliContext Create(SimplestackCli cli, ParseResult parseResult)
    {
        var configuration = LoadConfiguration(parseResult);
        var location = configuration.GetLocation(parseResult.GetValue(GlobalOptions.Location));
        if (parseResult.GetValue(GlobalOptions.Gateway) is { } gateway)
        {
            if (!Uri.TryCreate(gateway, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new CliUsageException($"--gateway must be an http:// or https:// URL, not '{gateway}'.");
            }

            location = location with { GatewayUrl = url };
        }

        if (parseResult.GetValue(GlobalOptions.Hypervisor) is { } hypervisor)
        {
            location = location with { Hypervisor = hypervisor };
        }

        if (parseResult.GetValue(GlobalOptions.Host) is { } host)
        {
            location = location with { Host = host };
        }

        return new CliContext(cli, parseResult, configuration, location);
    }

    /// <summary>
    /// <c>--config</c>, else <c>$SIMPLESTACK_CONFIG</c>, else the default file; when none is named and the
    /// default file does not exist, the gateway of a fresh machine (<c>http://127.0.0.1:8080</c>, <c>test/default</c>).
    /// </summary>
    private static SimplestackConfiguration LoadConfiguration(ParseResult parseResult)
    {
        var explicitPath = parseResult.GetValue(GlobalOptions.Config);
        if (explicitPath is null && System.Environment.GetEnvironmentVariable(SimplestackConfiguration.EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            explicitPath = fromEnvironment;
        }

        if (explicitPath is not null)
        {
            return SimplestackConfiguration.Load(explicitPath);
        }

        var path = SimplestackConfiguration.DefaultPath();
        return File.Exists(path)
            ? SimplestackConfiguration.Load(path)
            : SimplestackConfiguration.FromLocation(new SimplestackLocation(SimplestackConfiguration.DefaultSection, BuiltInGateway, "test", "default"));
    }

    /// <summary>A list: a table with these columns, or a JSON array of the items.</summary>
    public void List<T>(IEnumerable<T> items, params (string Header, Func<T, object?> Value)[] columns)
    {
        var list = items.ToList();
        if (Json)
        {
            WriteJson(list);
            return;
        }

        var table = new Table().Border(TableBorder.Simple);
        foreach (var (header, _) in columns)
        {
            table.AddColumn(new TableColumn(header).NoWrap());
        }

        foreach (var item in list)
        {
            table.AddRow(columns.Select(c => new Text(Format(c.Value(item)))).ToArray<Spectre.Console.Rendering.IRenderable>());
        }

        Out.Write(table);
    }

    /// <summary>One item: a two-column table of fields, or its JSON.</summary>
    public void Show<T>(T item, params (string Field, Func<T, object?> Value)[] fields)
    {
        if (Json)
        {
            WriteJson(item);
            return;
        }

        var grid = new Table().Border(TableBorder.Simple).HideHeaders();
        grid.AddColumn(new TableColumn("field").NoWrap());
        grid.AddColumn(new TableColumn("value"));
        foreach (var (field, value) in fields)
        {
            grid.AddRow(new Text(field), new Text(Format(value(item))));
        }

        Out.Write(grid);
    }

    /// <summary>The outcome of an action without a resource to show: a sentence, or <c>{"result": "ok", ...}</c>.</summary>
    public void Done(string sentence, object? json = null)
    {
        if (Json)
        {
            WriteJson(json ?? new { result = "ok" });
        }
        else
        {
            Out.WriteLine(sentence, Style.Plain);
        }
    }

    public void WriteJson<T>(T value)
        => Cli.Environment.Out.WriteLine(JsonSerializer.Serialize(value, IndentedJson));

    public static string Format(object? value) => value switch
    {
        null => "-",
        string s => s.Length == 0 ? "-" : s,
        bool b => b ? "yes" : "no",
        double d => d.ToString("0.##", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<string> list => list.Any() ? string.Join(", ", list) : "-",
        System.Collections.IDictionary dictionary => dictionary.Count == 0 ? "-" : string.Join(", ", dictionary.Keys.Cast<object>().Select(k => $"{k}={dictionary[k]}")),
        _ => value.ToString() ?? "-",
    };

    public void Dispose()
    {
        if (_driver.IsValueCreated)
        {
            _driver.Value.Dispose();
        }
    }
}
