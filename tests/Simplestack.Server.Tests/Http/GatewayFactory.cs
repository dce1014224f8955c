using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Simplestack.Drivers.Libvirt;
using Simplestack.Libvirt;
using Simplestack.Server.Connections;
using Simplestack.Server.Json;

namespace Simplestack.Server.Tests.Http;

/// <summary>
/// The real <c>Program</c> in process, on libvirt's test hypervisor. Each test class gets its own
/// (an <see cref="IClassFixture{T}"/>), hence its own pooled test connection and, since the classes
/// run one after another, its own fresh test hypervisor.
/// </summary>
public class GatewayFactory : WebApplicationFactory<Program>
{
    public static readonly JsonSerializerOptions Json = JsonDefaults.Create();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Simplestack:AllowedTargets:0"] = "test/default",
            ["Simplestack:AllowedTargets:1"] = "kvm/localhost",
            ["Simplestack:AllowedTargets:2"] = "qemu/localhost",
            ["Simplestack:AllowedTargets:3"] = "lxc/localhost",
            ["Simplestack:AllowedTargets:4"] = "xen/127.0.0.1:1", // loopback, nothing listens: no traffic leaves the machine
            ["Simplestack:AllowedTargets:5"] = "vmware/127.0.0.1:1", // loopback, nothing listens: the vmware driver is real, so never "vmware/*"
            ["Simplestack:AllowedTargets:6"] = "hyperv/*",
            ["Simplestack:AllowedTargets:7"] = "kvm/*.lab.example",
            ["Simplestack:MaxJsonBodyBytes"] = "65536",
        }));
    }

    public ConnectionPool Pool => Services.GetRequiredService<ConnectionPool>();

    /// <summary>libvirt itself, through the pool's test connection (opened by a first request if needed).</summary>
    public async Task<LibvirtConnection> LibvirtAsync()
    {
        if (!Pool.OpenConnections.OfType<LibvirtHypervisorConnection>().Any())
        {
            using var client = CreateClient();
            (await client.GetAsync("/test/default", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        return Pool.OpenConnections.OfType<LibvirtHypervisorConnection>().Single(c => c.Target.Hypervisor == "test").Native;
    }
}

/// <summary>Request helpers: JSON bodies sent as the original clients send them (any Content-Type).</summary>
public static class HttpTestExtensions
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static StringContent JsonBody(string json, string contentType = "application/json")
        => new(json, Encoding.UTF8, contentType);

    public static StringContent JsonBody(object value)
        => JsonBody(JsonSerializer.Serialize(value, GatewayFactory.Json));

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json)
        => client.PostAsync(url, JsonBody(json), Ct);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, string json)
        => client.PutAsync(url, JsonBody(json), Ct);

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
        => (await response.Content.ReadFromJsonAsync<T>(GatewayFactory.Json, Ct))!;

    public static async Task<T> GetAsync<T>(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Ct);
        await response.ShouldBeAsync(System.Net.HttpStatusCode.OK);
        return await response.ReadAsync<T>();
    }

    /// <summary>Asserts the status (showing the body when it differs).</summary>
    public static async Task ShouldBeAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        }
    }

    /// <summary>
    /// Asserts an error answer: the status, <c>application/json</c>, the error word, and no stack
    /// trace or internals in the body.
    /// </summary>
    public static async Task<JsonElement> ShouldBeErrorAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status, string error)
    {
        await response.ShouldBeAsync(status);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("at Simplestack", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement.Clone();
        Assert.Equal(error, root.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("message").GetString()));
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        return root;
    }

    /// <summary>The <c>error</c> word of an answer (for 501s, where the driver picks FeatureNotImplemented or FeatureNotAvailable).</summary>
    public static async Task<string> ErrorWordAsync(this HttpContent content)
    {
        using var document = JsonDocument.Parse(await content.ReadAsStringAsync(Ct));
        return document.RootElement.TryGetProperty("error", out var error) ? error.GetString() ?? string.Empty : string.Empty;
    }
}
