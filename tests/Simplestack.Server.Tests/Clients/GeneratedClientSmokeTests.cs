using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Simplestack.Server.Tests.Http;

namespace Simplestack.Server.Tests.Clients;

/// <summary>
/// The contract compiles into a client that can call the gateway: eng/ts-client generates
/// TypeScript types from docs/openapi.json (openapi-typescript), type-checks its script with tsc
/// in strict mode, and runs it with openapi-fetch against the real gateway on a loopback port
/// (Kestrel: node needs a socket) on the test hypervisor: list, create, power, tag, snapshot, a
/// 404's error body, delete. Skips without Node.js or eng/ts-client's npm install, except in CI.
/// </summary>
public sealed class GeneratedClientSmokeTests
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_client_generated_from_the_contract_compiles_and_drives_the_gateway()
    {
        var root = NodeTool.RepositoryRoot();
        var folder = Path.Combine(root, "eng", "ts-client");
        const string Generator = "node_modules/openapi-typescript/bin/cli.js";
        const string Compiler = "node_modules/typescript/bin/tsc";
        var node = NodeTool.Require(folder, "openapi-typescript, openapi-fetch and TypeScript", Generator, Compiler, "node_modules/openapi-fetch/package.json");

        // Generated now, from the contract in the tree: a contract that breaks the client fails here.
        // Nothing from an earlier run may stand in for this one's output.
        foreach (var made in new[] { "generated", "dist" }.Select(d => Path.Combine(folder, d)).Where(Directory.Exists))
        {
            Directory.Delete(made, recursive: true);
        }

        var generate = await NodeTool.RunAsync(
            node, folder, [Generator, Path.Combine(root, "docs", "openapi.json"), "--output", "generated/simplestack.d.ts"], StepLimit);
        Assert.True(generate.ExitCode == 0, $"openapi-typescript failed: {generate}");
        var compile = await NodeTool.RunAsync(node, folder, [Compiler, "-p", "tsconfig.json"], StepLimit);
        Assert.True(compile.ExitCode == 0, $"tsc (strict) rejected the client generated from docs/openapi.json: {compile}");

        await using var gateway = new GatewayFactory();
        gateway.UseKestrel(0);
        gateway.StartServer();
        var url = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var name = $"ts-{Guid.NewGuid():N}"[..15];

        var smoke = await NodeTool.RunAsync(node, folder, ["dist/smoke.js", url, name], StepLimit);
        Assert.True(smoke.ExitCode == 0, $"the generated client's calls failed: {smoke}");
        using var report = JsonDocument.Parse(smoke.Out);
        var answer = report.RootElement;

        Assert.Contains("test", answer.GetProperty("listed").EnumerateArray().Select(g => g.GetString()));
        var created = answer.GetProperty("created");
        Assert.Equal(name, created.GetProperty("name").GetString());
        Assert.Equal(128, created.GetProperty("memory").GetInt64());
        Assert.Equal("STOPPED", created.GetProperty("state").GetString());

        var power = answer.GetProperty("power");
        Assert.Equal("start", power.GetProperty("start").GetString());
        Assert.Equal("STARTED", power.GetProperty("state_after_start").GetString());
        Assert.Equal("stop", power.GetProperty("stop").GetString());
        Assert.Equal("STOPPED", power.GetProperty("state_after_stop").GetString());

        Assert.Equal(201, answer.GetProperty("tag_add_status").GetInt32());
        Assert.Equal(["smoke"], answer.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("before", answer.GetProperty("snapshot").GetProperty("name").GetString());
        Assert.Equal(["before"], answer.GetProperty("snapshots").EnumerateArray().Select(s => s.GetString()));

        var notFound = answer.GetProperty("not_found");
        Assert.Equal(404, notFound.GetProperty("status").GetInt32());
        Assert.Equal("EntityNotFound", notFound.GetProperty("body").GetProperty("error").GetString());
        Assert.Equal($"guest '{name}-missing' was not found.", notFound.GetProperty("body").GetProperty("message").GetString());
        Assert.Equal(404, notFound.GetProperty("body").GetProperty("status").GetInt32());

        Assert.Equal(204, answer.GetProperty("delete_status").GetInt32());
        Assert.Equal(404, answer.GetProperty("after_delete_status").GetInt32());
        // The hypervisor's own word: the domain is gone.
        using var domain = (await gateway.LibvirtAsync()).TryLookupDomainByName(name);
        Assert.Null(domain);
    }
}
