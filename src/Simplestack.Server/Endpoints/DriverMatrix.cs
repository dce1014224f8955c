using System.Text;

namespace Simplestack.Server.Endpoints;

/// <summary>
/// <c>docs/drivers.md</c>: the support matrix for people, rendered from the same
/// <see cref="DriverInfo"/>s that <c>GET /drivers</c> answers (a test keeps the file current).
/// </summary>
public static class DriverMatrix
{
    public static string Render(IReadOnlyList<DriverInfo> drivers, IReadOnlyList<(string Name, string Routes)> capabilities)
    {
        ArgumentNullException.ThrowIfNull(drivers);
        ArgumentNullException.ThrowIfNull(capabilities);
        var text = new StringBuilder();
        text.Append("""
            # Drivers and what they can do

            Generated from the code: the capabilities of a driver are the capability interfaces its
            connections implement (`src/Simplestack.Core/Driver.cs`), its notes are the driver's own.
            `GET /drivers` answers the same. Do not edit by hand: `eng/update-docs.sh` rewrites this file,
            and a test fails while it is out of date.

            Every driver that is available serves the pool (`GET /{hv}/{host}`), its hosts and the guest
            reads (`GET .../guests`, `GET .../guests/{id}`). A capability a driver lacks answers
            501 `FeatureNotImplemented` on its routes; something the hypervisor itself cannot do answers
            501 `FeatureNotAvailable`.


            """);

        text.Append("| capability | routes |");
        foreach (var driver in drivers)
        {
            text.Append(' ').Append(Heading(driver)).Append(" |");
        }

        text.Append("\n|---|---|").Append(string.Concat(Enumerable.Repeat(":---:|", drivers.Count))).Append('\n');
        foreach (var (name, routes) in capabilities)
        {
            text.Append("| ").Append(name).Append(" | ").Append(routes).Append(" |");
            foreach (var driver in drivers)
            {
                text.Append(driver.Capabilities.Contains(name) ? " yes |" : " - |");
            }

            text.Append('\n');
        }

        var unavailable = drivers.Where(d => !d.Available).ToList();
        if (unavailable.Count > 0)
        {
            text.Append("\n## Not available\n\n");
            foreach (var driver in unavailable)
            {
                text.Append("- `").Append(driver.Name).Append("`: ").Append(driver.Message).Append('\n');
            }
        }

        text.Append("\n## What each driver means by the common words\n");
        foreach (var driver in drivers.Where(d => d.Notes.Count > 0))
        {
            text.Append("\n### ").Append(Heading(driver)).Append("\n\n| word | meaning |\n|---|---|\n");
            foreach (var note in driver.Notes)
            {
                text.Append("| ").Append(note.Word).Append(" | ").Append(note.Meaning.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
            }
        }

        return text.ToString();
    }

    private static string Heading(DriverInfo driver)
        => driver.Aliases.Count == 0 ? $"`{driver.Name}`" : $"`{driver.Name}` ({string.Join(", ", driver.Aliases.Select(a => $"`{a}`"))})";
}
