using System.Text;
using Simplestack.Cli;

namespace Simplestack.Client.Tests.Cli;

/// <summary>
/// SIMPLESTACK_GATEWAY, _HYPERVISOR, _HOST, _TOKEN and _API_KEY override the configuration file
/// and are overridden by the flags (as GOVC_URL or LIBVIRT_DEFAULT_URI); <c>location list</c> shows
/// what is in effect and where each value came from.
/// </summary>
public sealed class CliEnvironmentTests(GatewayFactory factory) : CliTestBase(factory)
{
    private static Surroundings With(params (string Name, string Value)[] variables)
        => new() { Variables = variables.ToDictionary(v => v.Name, v => v.Value) };

    [Fact]
    public async Task The_environment_overrides_the_file_and_the_flags_override_the_environment()
    {
        var elsewhere = With(("SIMPLESTACK_HYPERVISOR", "kvm"), ("SIMPLESTACK_HOST", "10.9.9.9"));
        // kvm/10.9.9.9 is not an allowed target: the gateway refuses it, so the variables were used.
        Assert.Equal(ExitCodes.Auth, (await RunInAsync(elsewhere, "guest", "list")).ExitCode);
        var flagged = await RunInAsync(elsewhere, "--hypervisor", "test", "--host", "default", "guest", "list", "--json");
        Assert.Equal(0, flagged.ExitCode);
        Assert.Contains(flagged.Json.EnumerateArray(), g => g.GetProperty("name").GetString() == "test");

        Connected.Clear();
        var gateway = With(("SIMPLESTACK_GATEWAY", "http://gateway.example:9000"));
        Assert.Equal(0, (await RunInAsync(gateway, "guest", "list")).ExitCode);
        Assert.Equal(new Uri("http://gateway.example:9000"), Connected[^1].GatewayUrl);
        Assert.Equal(0, (await RunInAsync(gateway, "--gateway", "http://flag.example:9001", "guest", "list")).ExitCode);
        Assert.Equal(new Uri("http://flag.example:9001"), Connected[^1].GatewayUrl);
        Assert.Equal(0, (await RunAsync("guest", "list")).ExitCode);
        Assert.Equal(new Uri("http://localhost"), Connected[^1].GatewayUrl); // the file's, without the variable
    }

    [Theory]
    [InlineData("root:se:cret")]
    [InlineData("cm9vdDpzZTpjcmV0")] // base64("root:se:cret"), as the gateway's header carries it
    public async Task The_token_and_the_api_key_come_from_the_environment(string token)
    {
        Factory.Requests.Clear();
        var run = await RunInAsync(With(("SIMPLESTACK_TOKEN", token), ("SIMPLESTACK_API_KEY", "key-1")), "guest", "list");
        Assert.Equal(0, run.ExitCode);
        var request = Factory.Requests[^1];
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("root:se:cret")), request.Headers.GetValues("x-simplestack-hypervisor-token").Single());
        Assert.Equal("key-1", request.Headers.GetValues("x-simplestack-token").Single());
    }

    [Fact]
    public async Task Wrong_values_in_the_environment_are_configuration_errors_that_name_the_variable()
    {
        var gateway = await RunInAsync(With(("SIMPLESTACK_GATEWAY", "gateway.example")), "guest", "list");
        Assert.Equal(ExitCodes.Configuration, gateway.ExitCode);
        Assert.Equal("simplestack: $SIMPLESTACK_GATEWAY must be an http:// or https:// URL, not 'gateway.example'.", gateway.Error.Trim());

        var token = await RunInAsync(With(("SIMPLESTACK_TOKEN", "no-colon-here")), "guest", "list");
        Assert.Equal(ExitCodes.Configuration, token.ExitCode);
        Assert.Contains("$SIMPLESTACK_TOKEN must be USER:PASSWORD", token.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("no-colon-here", token.Error, StringComparison.Ordinal); // a secret is never echoed
    }

    [Fact]
    public async Task Location_list_shows_what_is_in_effect_and_where_it_came_from()
    {
        var surroundings = With(
            ("SIMPLESTACK_GATEWAY", "http://gateway.example:9000"),
            ("SIMPLESTACK_HOST", "10.0.0.5"),
            ("SIMPLESTACK_TOKEN", "root:secret"),
            ("SIMPLESTACK_API_KEY", "key-1"));
        var json = await RunInAsync(surroundings, "location", "list", "--hypervisor", "kvm", "--json");
        Assert.Equal(0, json.ExitCode);
        var rows = json.Json.EnumerateArray().ToList();
        Assert.Equal(["default", "elsewhere"], rows.Select(r => r.GetProperty("name").GetString()));
        var current = Assert.Single(rows, r => r.GetProperty("current").GetBoolean());
        Assert.Equal("default", current.GetProperty("name").GetString());
        Assert.Equal("http://gateway.example:9000/", current.GetProperty("gateway_url").GetString());
        Assert.Equal("kvm", current.GetProperty("hypervisor").GetString());
        Assert.Equal("10.0.0.5", current.GetProperty("host").GetString());
        Assert.Equal("root", current.GetProperty("username").GetString());
        Assert.True(current.GetProperty("api_key_set").GetBoolean());
        var sources = current.GetProperty("sources");
        Assert.Equal("SIMPLESTACK_GATEWAY", sources.GetProperty("gateway_url").GetString());
        Assert.Equal("--hypervisor", sources.GetProperty("hypervisor").GetString());
        Assert.Equal("SIMPLESTACK_HOST", sources.GetProperty("host").GetString());
        Assert.Equal("SIMPLESTACK_TOKEN", sources.GetProperty("username").GetString());
        Assert.Equal("SIMPLESTACK_API_KEY", sources.GetProperty("api_key").GetString());
        var other = Assert.Single(rows, r => !r.GetProperty("current").GetBoolean());
        Assert.Equal("nope", other.GetProperty("hypervisor").GetString()); // as the file says
        Assert.Equal("file", other.GetProperty("sources").GetProperty("hypervisor").GetString());
        Assert.DoesNotContain("secret", json.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("key-1", json.Out, StringComparison.Ordinal);

        var table = await RunInAsync(surroundings, "location", "list", "--hypervisor", "kvm");
        var lines = table.Out.TrimEnd().Split('\n');
        Assert.Matches(@"^CURRENT\s+NAME\s+GATEWAY\s+HYPERVISOR\s+HOST\s+USER\s+API KEY\s+FROM$", lines[0]);
        Assert.Matches(@"^\*\s+default\s+http://gateway\.example:9000/\s+kvm\s+10\.0\.0\.5\s+root\s+set\s+SIMPLESTACK_GATEWAY, --hypervisor, SIMPLESTACK_HOST, SIMPLESTACK_TOKEN, SIMPLESTACK_API_KEY$", lines[1]);
        Assert.Matches(@"^-\s+elsewhere\s+http://localhost/\s+nope\s+default\s+-\s+-\s+file$", lines[2]);
    }
}
