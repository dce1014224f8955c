using System.Text;

namespace Simplestack.Cli;

/// <summary>What <c>--output</c> (or <c>--json</c>) asks for.</summary>
internal enum OutputFormat
{
    Table,
    Json,
    Yaml,
    Csv,
}

internal static class OutputFormats
{
    public static readonly string[] Names = ["table", "json", "yaml", "csv"];

    /// <summary>The format of <c>--output NAME</c> and <c>--json</c> together (the two must agree).</summary>
    public static OutputFormat From(string? name, bool json)
    {
        var format = name switch
        {
            null => json ? OutputFormat.Json : OutputFormat.Table,
            "json" => OutputFormat.Json,
            "yaml" => OutputFormat.Yaml,
            "csv" => OutputFormat.Csv,
            _ => OutputFormat.Table,
        };
        if (json && format != OutputFormat.Json)
        {
            throw new CliUsageException($"--json and --output {name} ask for two formats; give one.");
        }

        return format;
    }
}

/// <summary>Rows of text cells as plain aligned columns (for pipes and files) or as CSV (RFC 4180).</summary>
internal static class TextTable
{
    private const string Gap = "   ";

    /// <summary>Columns padded to their widest cell, no borders, no trailing spaces: what <c>cut</c>, <c>awk</c> and <c>sort</c> expect.</summary>
    public static void WritePlain(TextWriter writer, IReadOnlyList<string>? headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var all = (headers is null ? rows : rows.Prepend(headers)).Select(r => r.Select(OneLine).ToList()).ToList();
        if (all.Count == 0)
        {
            return;
        }

        var widths = Enumerable.Range(0, all[0].Count).Select(i => all.Max(r => r[i].Length)).ToList();
        foreach (var row in all)
        {
            var line = new StringBuilder();
            for (var i = 0; i < row.Count; i++)
            {
                line.Append(i == row.Count - 1 ? row[i] : row[i].PadRight(widths[i]) + Gap);
            }

            writer.WriteLine(line.ToString().TrimEnd());
        }
    }

    public static void WriteCsv(TextWriter writer, IReadOnlyList<string>? headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        foreach (var row in headers is null ? rows : rows.Prepend(headers))
        {
            writer.Write(string.Join(',', row.Select(CsvField)));
            writer.Write('\n');
        }
    }

    private static string CsvField(string value)
        => value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || value != value.Trim()
            ? '"' + value.Replace("\"", "\"\"", StringComparison.Ordinal) + '"'
            : value;

    private static string OneLine(string value) => value.ReplaceLineEndings(" ");
}
