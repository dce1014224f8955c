using System.Diagnostics;

namespace Simplestack.Server.Tests.Clients;

/// <summary>
/// Node.js tools the tests run (Redocly CLI, the generated TypeScript client), installed by
/// eng/test.sh with <c>npm ci</c> in their folder. Without Node.js or that install a test skips
/// locally, with the reason, and fails in CI (<c>CI=true</c>), where eng/test.sh installs both.
/// </summary>
public static class NodeTool
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}{Environment.NewLine}{Out}{Environment.NewLine}{Error}";
    }

    /// <summary>The repository's root: the folder above the test binaries with Directory.Build.props and docs/openapi.json.</summary>
    public static string RepositoryRoot()
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

    /// <summary>
    /// The path of <c>node</c> once every file in <paramref name="installed"/> (relative to
    /// <paramref name="folder"/>) exists; otherwise skips, or fails when CI=true.
    /// </summary>
    public static string Require(string folder, string what, params string[] installed)
    {
        var node = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "node"))
            .FirstOrDefault(File.Exists);
        var missing = installed.FirstOrDefault(file => !File.Exists(Path.Combine(folder, file)));
        if (node is not null && missing is null)
        {
            return node;
        }

        var reason = node is null
            ? "Node.js is not installed (eng/install-deps.sh installs it)."
            : $"{missing} is missing: run npm ci in {Path.GetRelativePath(RepositoryRoot(), folder)} (eng/test.sh does) to install {what}.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{reason} CI=true does not allow skipping it.");
        }

        Assert.Skip(reason);
        return node!; // not reached: Assert.Skip throws
    }

    /// <summary>Runs <c>node</c> with the arguments in <paramref name="folder"/>; kills it past <paramref name="timeout"/>.</summary>
    public static async Task<Result> RunAsync(
        string node, string folder, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(node, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var ct = TestContext.Current.CancellationToken;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Result(process.ExitCode, await output, await errors);
    }
}
