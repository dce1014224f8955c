using System.Text.Json;
using Simplestack.Server.Tests.Clients;

namespace Simplestack.Server.Tests.Http;

/// <summary>
/// docs/openapi.json passes a real OpenAPI linter, Redocly CLI (its version pinned by
/// eng/openapi-lint/package-lock.json, installed there by eng/test.sh with <c>npm ci</c>), with no
/// error and no warning under eng/openapi-lint/redocly.yaml. Without Node.js or that install the
/// test skips locally, with the reason, and fails in CI (<c>CI=true</c>), where eng/test.sh installs both.
/// </summary>
public sealed class OpenApiLintTests
{
    [Fact]
    public async Task The_contract_passes_Redocly_lint_with_no_error_and_no_warning()
    {
        var root = NodeTool.RepositoryRoot();
        var lint = Path.Combine(root, "eng", "openapi-lint");
        const string Cli = "node_modules/@redocly/cli/bin/cli.js";
        var node = NodeTool.Require(lint, "Redocly CLI", Cli);

        // No usage report and no update check: nothing leaves the machine.
        var run = await NodeTool.RunAsync(
            node,
            lint,
            [Path.Combine(lint, Cli), "lint", "--config", Path.Combine(lint, "redocly.yaml"), "--format=json", Path.Combine(root, "docs", "openapi.json")],
            TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" });

        using var result = JsonDocument.Parse(run.Out);
        var totals = result.RootElement.GetProperty("totals");
        var problems = string.Join(
            Environment.NewLine,
            result.RootElement.GetProperty("problems").EnumerateArray().Take(20).Select(p =>
                $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()} "
                + $"{p.GetProperty("location")[0].GetProperty("pointer").GetString()}: {p.GetProperty("message").GetString()}"));
        Assert.True(
            run.ExitCode == 0 && totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0,
            $"redocly lint exited {run.ExitCode} with {totals.GetProperty("errors").GetInt32()} errors and "
            + $"{totals.GetProperty("warnings").GetInt32()} warnings:{Environment.NewLine}{problems}{Environment.NewLine}{run.Error}");
    }
}
