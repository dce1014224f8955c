using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Simplestack.Core;
using Simplestack.Server.Endpoints;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Tests.Http;

/// <summary><c>GET /drivers</c> and <c>docs/drivers.md</c> say what the code does: each driver's capabilities are its connection type's.</summary>
public sealed class DriversTests(GatewayFactory factory) : HttpTestBase(factory)
{
    /// <summary>Set to 1 to rewrite docs/drivers.md instead of comparing (eng/update-docs.sh does).</summary>
    private const string UpdateVariable = "SIMPLESTACK_UPDATE_DOCS";

    [Fact]
    public async Task Every_registered_driver_is_listed_with_its_aliases_and_the_capabilities_its_connections_implement()
    {
        var response = await Client.GetAsync("/drivers", Ct);
        await response.ShouldBeAsync(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var listed = body.RootElement.EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);

        var registry = Factory.Services.GetRequiredService<DriverRegistry>();
        Assert.Equal(registry.Names, listed.Keys);
        foreach (var name in registry.Names)
        {
            registry.TryGet(name, out _, out var driver);
            var expected = Capability.All.Where(c => c.Interface.IsAssignableFrom(driver!.ConnectionType)).Select(c => c.Name);
            Assert.Equal(expected, listed[name].GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        }

        Assert.Equal(["qemu"], listed["kvm"].GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("snapshots", listed["kvm"].GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.True(listed["test"].GetProperty("available").GetBoolean());
        Assert.False(listed["hyperv"].GetProperty("available").GetBoolean());
        Assert.Empty(listed["hyperv"].GetProperty("capabilities").EnumerateArray());
        Assert.Contains("Hyper-V", listed["hyperv"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(listed["test"].GetProperty("notes").EnumerateArray(), n => n.GetProperty("word").GetString() == "guest id");
    }

    [Fact]
    public async Task The_support_matrix_in_docs_is_the_one_the_code_renders()
    {
        var rendered = DriverMatrix.Render(
            DriversEndpoints.Describe(Factory.Services.GetRequiredService<DriverRegistry>()),
            [.. Capability.All.Select(c => (c.Name, c.Routes))]);
        var file = DocsFile("drivers.md");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(file, rendered, Ct);
        }

        Assert.True(
            File.Exists(file) && await File.ReadAllTextAsync(file, Ct) == rendered,
            "docs/drivers.md is out of date with the drivers' code: run eng/update-docs.sh and commit the file.");
    }

    private static string DocsFile(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(directory.FullName, "docs")))
            {
                return Path.Combine(directory.FullName, "docs", name);
            }
        }

        throw new DirectoryNotFoundException("The repository's docs/ folder was not found above the test binaries.");
    }
}
