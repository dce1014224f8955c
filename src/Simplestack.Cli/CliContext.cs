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
    private static readonly JsonSerializerOptions IndentedJson = new(SimplestackJson.Options)
    {
        WriteIndented = true,
        // Scripts read stable keys: a null is written, not left out.
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
    };

    private readonly Lazy<ComputeDriver> _driver;

    private CliContext(SimplestackCli cli, ParseResult parseResult, EffectiveLocation effective, OutputFormat format)
    {
        Cli = cli;
        ParseResult = parseResult;
        Effective = effective;
        Format = format;
        NoHeaders = parseResult.GetValue(GlobalOptions.NoHeaders);
        ShowProgress = !parseResult.GetValue(GlobalOptions.NoProgress);
        Verbose = parseResult.GetValue(GlobalOptions.Verbose);
        var environment = cli.Environment;
        Out = ConsoleFactory.Create(environment.Out, interactive: false, environment.Width);
        Error = ConsoleFactory.Create(environment.Error, environment.Interactive, environment.Width);
        var location = effective.Location;
        _driver = new Lazy<ComputeDriver>(() => new ComputeDriver(
            SimplestackConfiguration.FromLocation(location, effective.Configuration.InstanceTypes),
            null,
            environment.HttpFactory));
    }

    public SimplestackCli Cli { get; }

    public ParseResult ParseResult { get; }

    /// <summary>The location in effect (file, environment, flags) and where each value came from.</summary>
    public EffectiveLocation Effective { get; }

    public SimplestackConfiguration Configuration => Effective.Configuration;

    public SimplestackLocation Location => Effective.Location;

    public OutputFormat Format { get; }

    /// <summary>JSON or YAML: the data itself rather than a table or a sentence.</summary>
    public bool Structured => Format is OutputFormat.Json or OutputFormat.Yaml;

    public bool NoHeaders { get; }

    public bool ShowProgress { get; }

    /// <summary><c>--verbose</c>: details on standard error (never on standard output).</summary>
    public bool Verbose { get; }

    /// <summary>Whether long work is followed with a progress line: a terminal on stderr, and neither <c>--no-progress</c> nor JSON/YAML.</summary>
    public bool FollowsProgress => ShowProgress && Cli.Environment.Interactive && !Structured;

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
        var format = OutputFormats.From(parseResult.GetValue(GlobalOptions.Output), parseResult.GetValue(GlobalOptions.Json));
        return new CliContext(cli, parseResult, EffectiveLocation.Resolve(parseResult, cli.Environment.Variables), format);
    }

    /// <summary>
    /// Asks a yes/no question on the terminal; false without a terminal to ask on (standard input
    /// or standard error redirected), so scripts never hang on a prompt.
    /// </summary>
    public bool Confirm(string question)
    {
        var environment = Cli.Environment;
        if (!environment.CanPrompt)
        {
            return false;
        }

        environment.Error.Write($"{question} [y/N] ");
        environment.Error.Flush();
        var answer = environment.Input.ReadLine()?.Trim();
        return answer is not null && (answer.Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Equals("yes", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A list: a table (boxed on a terminal, plain columns otherwise), CSV, or the items as JSON or YAML.</summary>
    public void List<T>(IEnumerable<T> items, params (string Header, Func<T, object?> Value)[] columns)
    {
        var list = items.ToList();
        if (Structured)
        {
            WriteData(list);
            return;
        }

        var headers = columns.Select(c => c.Header).ToList();
        var rows = list.Select(item => (IReadOnlyList<string>)columns.Select(c => Cell(c.Value(item))).ToList()).ToList();
        WriteTable(headers, rows, isList: true);
    }

    /// <summary>One item: a two-column table of fields, one CSV row under the field names, or its JSON or YAML.</summary>
    public void Show<T>(T item, params (string Field, Func<T, object?> Value)[] fields)
    {
        if (Structured)
        {
            WriteData(item);
            return;
        }

        if (Format == OutputFormat.Csv)
        {
            TextTable.WriteCsv(Cli.Environment.Out, NoHeaders ? null : fields.Select(f => f.Field).ToList(), [fields.Select(f => Cell(f.Value(item))).ToList()]);
            return;
        }

        WriteTable(null, fields.Select(f => (IReadOnlyList<string>)[f.Field, Cell(f.Value(item))]).ToList(), isList: false);
    }

    /// <summary>The outcome of an action without a resource to show: a sentence, or <c>{"result": "ok", ...}</c> as JSON or YAML.</summary>
    public void Done(string sentence, object? json = null)
    {
        if (Structured)
        {
            WriteData(json ?? new { result = "ok" });
        }
        else
        {
            Out.WriteLine(sentence, Style.Plain);
        }
    }

    /// <summary>The data in snake_case JSON (indented) or YAML.</summary>
    public void WriteData<T>(T value)
    {
        var writer = Cli.Environment.Out;
        if (Format == OutputFormat.Yaml)
        {
            writer.Write(Yaml.Write(JsonSerializer.SerializeToElement(value, IndentedJson)));
        }
        else
        {
            writer.WriteLine(JsonSerializer.Serialize(value, IndentedJson));
        }
    }

    /// <summary>A list's rows (no cell wraps) or a shown item's field/value pairs (long values wrap on a terminal).</summary>
    private void WriteTable(IReadOnlyList<string>? headers, IReadOnlyList<IReadOnlyList<string>> rows, bool isList)
    {
        var writer = Cli.Environment.Out;
        if (Format == OutputFormat.Csv)
        {
            TextTable.WriteCsv(writer, NoHeaders ? null : headers, rows);
            return;
        }

        if (!Cli.Environment.OutIsTerminal)
        {
            TextTable.WritePlain(writer, NoHeaders ? null : headers, rows);
            return;
        }

        var table = new Table().Border(TableBorder.Simple);
        var columnCount = headers?.Count ?? rows.FirstOrDefault()?.Count ?? 0;
        for (var i = 0; i < columnCount; i++)
        {
            var column = new TableColumn(headers?[i] ?? string.Empty);
            table.AddColumn(isList || i == 0 ? column.NoWrap() : column);
        }

        if (NoHeaders || !isList)
        {
            table.HideHeaders();
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => new Text(cell)).ToArray<Spectre.Console.Rendering.IRenderable>());
        }

        Out.Write(table);
    }

    public static string Cell(object? value) => value switch
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
