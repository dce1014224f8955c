using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Http;

/// <summary>
/// The real gateway (Program, in process) allowed to reach one vcsim only, with that vcsim's
/// certificate pinned by configuration, and a client that sends vcsim's credentials.
/// </summary>
internal static class VcsimGateway
{
    public static WebApplicationFactory<Program> Create(VcsimProcess vcsim, int? callTimeoutSeconds = null)
        => new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            var settings = new Dictionary<string, string?>
            {
                ["Simplestack:AllowedTargets:0"] = $"vmware/127.0.0.1:{vcsim.Port}",
                [$"Simplestack:VSphere:CertificatePins:127.0.0.1:{vcsim.Port}"] = vcsim.CertificateSha256,
            };
            if (callTimeoutSeconds is { } seconds)
            {
                settings["Simplestack:VSphere:CallTimeoutSeconds"] = seconds.ToString(CultureInfo.InvariantCulture);
            }

            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
        });

    /// <summary>A client of <paramref name="gateway"/> that logs in to vSphere as vcsim's user.</summary>
    public static HttpClient Client(WebApplicationFactory<Program> gateway, VcsimProcess vcsim)
    {
        var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Add("x-simplestack-hypervisor-token", Token(vcsim.User, vcsim.Password));
        return client;
    }

    /// <summary>The credentials header's value: base64 of <c>user:password</c>.</summary>
    public static string Token(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
}
