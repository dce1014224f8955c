using System.Diagnostics;
using System.Text.Json;

namespace Simplestack.Server.Tests.Http;

/// <summary>
/// docs/openapi.json passes a real OpenAPI linter, Redocly CLI (its version pinned by
/// eng/openapi-lint/package-lock.json, installed there by eng/test.sh with <c>npm ci</c>), with no
/// error and no warning under eng/openapi-lint/redocly.yaml. Without Node.js or that install the
/// test skips locally, with the reason, and fails in CI (<c>CI=true</c>), where eng/test.sh installs both.
/// </summary>
public sealed class OpenApiLintTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_contract_passes_Redocly_lint_with_no_error_and_no_warning()
    {
        var root = RepositoryRoot();
        var lint = Path.Combine(root, "eng", "openapi-lint");
        var cli = Path.Combine(lint, "node_modules", "@redocly", "cli", "bin", "cli.js");
        var node = FindOnPath("node");
        if (node is null || !File.Exists(cli))
        {
            var reason = node is null
                ? "Node.js is not installed (eng/install-deps.sh installs it)."
                : "Redocly CLI is not installed: run npm ci in eng/openapi-lint (eng/test.sh does).";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail($"{reason} CI=true does not allow skipping the contract's lint.");
            }

            Assert.Skip(reason);
        }

        var start = new ProcessStartInfo(node, [cli, "lint", "--config", Path.Combine(lint, "redocly.yaml"), "--format=json", Path.Combine(root, "docs", "openapi.json")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = lint,
        };
        // No usage report and no update check: nothing leaves the machine.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var report = await output;
        using var result = JsonDocument.Parse(report);
        var totals = result.RootElement.GetProperty("totals");
        var problems = string.Join(
            Environment.NewLine,
            result.RootElement.GetProperty("problems").EnumerateArray().Take(20).Select(p =>
                $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()} "
                + $"{p.GetProperty("location")[0].GetProperty("pointer").GetString()}: {p.GetProperty("message").GetString()}"));
        Assert.True(
            process.ExitCode == 0 && totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0,
            $"redocly lint exited {process.ExitCode} with {totals.GetProperty("errors").GetInt32()} errors and "
            + $"{totals.GetProperty("warnings").GetInt32()} warnings:{Environment.NewLine}{problems}{Environment.NewLine}{await errors}");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Directory.Build.props"))
                && File.Exists(Path.Combine(directory.FullName, "docs", "openapi.json")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository (Directory.Build.props, docs/openapi.json) was not found above the test binaries.");
    }

    private static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
