using Simplestack.Server.Tests.Clients;

namespace Simplestack.Server.Tests.Http;

/// <summary>The original Ruby client's flows against the embedded test hypervisor (the same flows run against xen).</summary>
public sealed class RubyClientFlowTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task The_original_clients_flows_pass_on_the_test_hypervisor()
    {
        var name = UniqueName("ruby");
        var file = Path.Combine(Path.GetTempPath(), $"{name}.tar");
        try
        {
            // The test hypervisor cannot stream volumes, so this guest has no disk to export.
            var client = new RubyClientReplay(Client, Base, "user", "password");
            await RubyClientFlows.RunAsync(client, name, new { name, memory = 128, cpus = 1 }, file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
