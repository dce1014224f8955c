using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Simplestack.Drivers.VSphere.Tests.Vcsim;

/// <summary>Runs one of the tests' pyVmomi scripts (Debian's python3-pyvmomi, a vSphere client others wrote) and reads its one JSON line.</summary>
internal static class PyVmomi
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <param name="script">A script beside this file (<c>Vcsim/</c>).</param>
    /// <param name="vcsim">The vcsim it connects to (its host, port, user and password come first).</param>
    public static async Task<JsonElement> RunAsync(string script, VcsimProcess vcsim, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = VcsimProcess.ProjectDirectory,
        };
        start.ArgumentList.Add(Path.Combine(VcsimProcess.ProjectDirectory, "Vcsim", script));
        foreach (var argument in new[] { "127.0.0.1", vcsim.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), vcsim.User, vcsim.Password }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"/usr/bin/python3 cannot run ({e.Message}): install Debian's python3-pyvmomi.", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Limit);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            Assert.True(process.ExitCode == 0, $"{script} exited with {process.ExitCode}: {await errors}");
            return JsonDocument.Parse((await output).Trim()).RootElement.Clone();
        }
    }
}
