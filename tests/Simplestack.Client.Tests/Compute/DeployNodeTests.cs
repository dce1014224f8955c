using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Simplestack.Client.Compute;
using Simplestack.Client.Compute.Deployment;
using Simplestack.Client.Configuration;

namespace Simplestack.Client.Tests.Compute;

/// <summary>
/// <see cref="ComputeDriver.DeployNodeAsync"/> against a real QEMU guest with SSH: the substrate of
/// <c>eng/substrate/up.sh</c> and the small guest of <c>eng/guest/build.sh</c> (its ISO as the
/// volume <c>simplestack-guest.iso</c> in the pool <c>default</c>, its SSH key read from the NoCloud
/// seed). Runs when <c>SIMPLESTACK_SUBSTRATE=1</c>; otherwise skips with the reason, or fails when
/// <c>CI=true</c> (<see cref="Substrate.Require"/>).
/// </summary>
public sealed class DeployNodeTests
{
    public const string GuestIso = "simplestack-guest.iso";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deploy_node_runs_a_script_in_a_real_guest_and_returns_its_output()
    {
        Substrate.Require();

        var keys = Directory.CreateTempSubdirectory("simplestack-deploy-");
        try
        {
            var privateKey = Path.Combine(keys.FullName, "id_ed25519");
            using (var keygen = Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", privateKey])!)
            {
                await keygen.WaitForExitAsync(Ct);
                Assert.Equal(0, keygen.ExitCode);
            }

            await using var gateway = new QemuGatewayFactory();
            var configuration = SimplestackConfiguration.Parse(
                $"""
                [default]
                gateway_url = http://localhost
                hypervisor = kvm
                host = localhost
                ssh_private_key = {privateKey}
                ssh_public_key = {privateKey}.pub
                """,
                "deploy-test.cfg");
            using var driver = new ComputeDriver(configuration, httpFactory: _ => gateway.CreateClient());

            var script = new ScriptDeployment("#!/bin/sh\necho \"deployed on $(uname -s)\"\necho to-stderr >&2\nexit 3\n");
            var extraKey = new SshKeyDeployment(File.ReadAllText(privateKey + ".pub"));
            var name = $"deploy-{Guid.NewGuid():N}"[..15];
            Node? node = null;
            try
            {
                node = await driver.DeployNodeAsync(
                    name,
                    new NodeSize("small", "small", 1, 256, null),
                    image: null,
                    new MultiStepDeployment(extraKey, script),
                    options: new DeployNodeOptions
                    {
                        Create = new CreateNodeOptions { Cdrom = GuestIso, Networks = ["default"], DomainType = "qemu" },
                        SshInterface = SshInterface.PrivateIps,
                        Timeout = TimeSpan.FromMinutes(6),
                    },
                    cancellationToken: Ct);

                Assert.Equal(NodeState.Running, node.State);
                Assert.NotEmpty(node.PrivateIps);
                Assert.Equal(3, script.ExitStatus);
                Assert.Equal("deployed on Linux", script.Stdout?.Trim());
                Assert.Equal("to-stderr", script.Stderr?.Trim());
            }
            catch (DeploymentException e) when (e.Node is not null)
            {
                node = e.Node;
                throw;
            }
            finally
            {
                var guest = node?.Id ?? name;
                try
                {
                    await driver.ClientFor().Guests.DeleteAsync(guest, cancellationToken: CancellationToken.None);
                }
                catch (EntityNotFoundException)
                {
                }
            }
        }
        finally
        {
            keys.Delete(recursive: true);
        }
    }

    /// <summary>The gateway on the real libvirtd, in software emulation (guests hang under /dev/kvm here).</summary>
    private sealed class QemuGatewayFactory : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Simplestack:AllowedTargets:0"] = "kvm/localhost",
                ["Simplestack:Libvirt:DefaultDomainType"] = "qemu",
            }));
        }
    }
}
