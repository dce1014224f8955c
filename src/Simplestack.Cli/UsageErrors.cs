using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Simplestack.Cli;

/// <summary>
/// A command line the parser refused, said in one line and a hint (<c>See 'simplestack snapshot
/// create --help'.</c>) rather than the whole help text; numbers parsed by our own parsers so no
/// .NET type name reaches a message; "did you mean" only ever names a command.
/// </summary>
internal static class UsageErrors
{
    /// <summary>The one-line message and the hint for a parse result with errors.</summary>
    public static (string Message, string Hint) Describe(ParseResult result)
    {
        var commandResult = result.CommandResult;
        var command = commandResult.Command;
        var path = CommandPath(commandResult);
        var hint = $"See '{path} --help'.";
        var verbs = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();

        if (result.UnmatchedTokens.Count > 0)
        {
            var token = result.UnmatchedTokens[0];
            if (token.StartsWith('-'))
            {
                return ($"unknown option '{token}' for '{path}'.", hint);
            }

            if (verbs.Count > 0)
            {
                var closest = verbs.Select(v => (Verb: v, Distance: Distance(token, v))).OrderBy(v => v.Distance).First();
                var suggestion = closest.Distance <= Math.Max(1, token.Length / 3) ? $" Did you mean '{closest.Verb}'?" : string.Empty;
                return ($"'{token}' is not a command of '{path}'.{suggestion}", hint);
            }

            return ($"unexpected argument '{token}' for '{path}'.", hint);
        }

        if (verbs.Count > 0 && command.Action is null)
        {
            return ($"'{path}' needs a command: {string.Join(", ", verbs)}.", hint);
        }

        var missing = command.Arguments.FirstOrDefault(a => a.Arity.MinimumNumberOfValues > 0 && commandResult.GetResult(a) is not { Tokens.Count: > 0 });
        if (missing is not null)
        {
            return ($"'{path}' needs <{missing.Name}>.", hint);
        }

        var first = result.Errors[0].Message;
        return (string.Join(' ', first.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), hint);
    }

    /// <summary>
    /// Gives every numeric option and argument a parser of our own, whose error names the option and
    /// the kind of number (System.CommandLine's names the CLR type: "System.Nullable`1[System.Int64]").
    /// </summary>
    public static void UseFriendlyNumberParsers(Command command)
    {
        foreach (var option in command.Options)
        {
            Apply(option);
        }

        foreach (var argument in command.Arguments)
        {
            Apply(argument);
        }

        foreach (var subcommand in command.Subcommands)
        {
            UseFriendlyNumberParsers(subcommand);
        }
    }

    private static void Apply(Symbol symbol)
    {
        switch (symbol)
        {
            case Option<int?> o: o.CustomParser = r => Whole(r, int.TryParse, out int v) ? v : null; break;
            case Option<int> o: o.CustomParser = r => Whole(r, int.TryParse, out int v) ? v : 0; break;
            case Option<long?> o: o.CustomParser = r => Whole(r, long.TryParse, out long v) ? v : null; break;
            case Option<long> o: o.CustomParser = r => Whole(r, long.TryParse, out long v) ? v : 0; break;
            case Option<double?> o: o.CustomParser = r => Real(r, out var v) ? v : null; break;
            case Option<double> o: o.CustomParser = r => Real(r, out var v) ? v : 0; break;
            case Argument<int> a: a.CustomParser = r => Whole(r, int.TryParse, out int v) ? v : 0; break;
            case Argument<long> a: a.CustomParser = r => Whole(r, long.TryParse, out long v) ? v : 0; break;
            case Argument<double> a: a.CustomParser = r => Real(r, out var v) ? v : 0; break;
        }
    }

    private delegate bool TryParse<T>(string text, NumberStyles styles, IFormatProvider provider, out T value);

    private static bool Whole<T>(ArgumentResult result, TryParse<T> parse, out T value)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        result.AddError($"{NameOf(result)} takes a whole number, not '{text}'.");
        return false;
    }

    private static bool Real(ArgumentResult result, out double value)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value))
        {
            return true;
        }

        result.AddError($"{NameOf(result)} takes a number, not '{text}'.");
        return false;
    }

    private static string NameOf(ArgumentResult result)
        => result.Parent is OptionResult option ? option.Option.Name : $"<{result.Argument.Name}>";

    internal static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is CommandResult c)
            {
                names.Add(c.Parent is null ? "simplestack" : c.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The edit distance of two words, a swap of neighbours counting one ("shwo" is 1 from "show").</summary>
    private static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
