using System.Net;
using System.Text.RegularExpressions;
using Simplestack.Server.Consoles;
using Simplestack.Server.Tests.Hostile;

namespace Simplestack.Server.Tests.Consoles;

/// <summary>
/// The console page's files (<c>/ui/</c>, built by npm into the output) on a gateway behind API
/// keys: served to anyone (they hold no secret; what the page does needs the key), under a content
/// security policy that allows scripts from the gateway only, with every script and stylesheet
/// the page names served from the gateway itself (no CDN, no inline script). Paths under
/// <c>/ui/</c> never reach the <c>/{hypervisor}/{host}</c> routes.
/// </summary>
public sealed partial class ConsolePageServingTests(HostileGatewayFactory factory) : IClassFixture<HostileGatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_page_is_served_without_a_key_under_its_security_headers()
    {
        using var client = factory.CreateClient();
        using var page = await client.GetAsync("/ui/", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ConsolePage.ContentSecurityPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("script-src 'self';", ConsolePage.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());

        // The API itself still asks for the key.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/test/default/guests", Ct)).StatusCode);
    }

    [Fact]
    public async Task Every_script_and_stylesheet_the_page_names_comes_from_the_gateway()
    {
        using var client = factory.CreateClient();
        var html = await client.GetStringAsync("/ui/", Ct);
        Assert.DoesNotMatch(InlineScript(), html);
        var references = Reference().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.Contains("app.js", references);
        Assert.Contains("style.css", references);
        foreach (var reference in references)
        {
            Assert.DoesNotContain(":", reference, StringComparison.Ordinal); // relative: no other origin
            using var file = await client.GetAsync("/ui/" + reference, Ct);
            Assert.True(file.StatusCode == HttpStatusCode.OK, $"/ui/{reference} answered {(int)file.StatusCode}");
            Assert.True(file.Content.Headers.ContentLength > 1000, $"/ui/{reference} is nearly empty");
        }

        Assert.Equal("text/javascript", (await client.GetAsync("/ui/app.js", Ct)).Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Ui_without_its_slash_redirects_and_an_unknown_file_is_404_not_a_target()
    {
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var bare = await client.GetAsync("/ui", Ct);
        Assert.Equal(HttpStatusCode.MovedPermanently, bare.StatusCode);
        Assert.EndsWith("/ui/", bare.Headers.Location?.ToString(), StringComparison.Ordinal);

        using var missing = await client.GetAsync("/ui/missing.js", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"(?:src|href)=""(?<url>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex Reference();
}
