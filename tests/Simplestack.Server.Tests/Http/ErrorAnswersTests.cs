using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Tests.Http;

public class ErrorAnswersTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task An_unmatched_route_is_404_json()
        => await (await Client.GetAsync("/test/default/guests/test/nothing/here", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");

    [Fact]
    public async Task A_wrong_method_is_405_json_with_allow()
    {
        var response = await Client.PatchAsync($"{Base}/guests", new StringContent("{}"), Ct);
        await response.ShouldBeErrorAsync(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed");
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task An_unexpected_failure_is_500_with_a_fixed_message_and_no_stack_trace()
    {
        await using var failing = Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(
            services => services.AddSingleton<ICallerAuthorizer, ThrowingAuthorizer>()));
        using var client = failing.CreateClient();

        var response = await client.GetAsync($"{Base}/guests", Ct);

        var error = await response.ShouldBeErrorAsync(HttpStatusCode.InternalServerError, "InternalError");
        Assert.Equal("An unexpected error occurred.", error.GetProperty("message").GetString());
        Assert.DoesNotContain("internal detail", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowedHosts_when_it_names_hosts_refuses_others_with_400_json()
    {
        await using var filtered = Factory.WithWebHostBuilder(builder => builder.UseSetting("AllowedHosts", "gateway.example;localhost"));
        using var client = filtered.CreateClient();

        using var allowed = new HttpRequestMessage(HttpMethod.Get, $"{Base}/guests");
        allowed.Headers.Host = "gateway.example";
        using var refused = new HttpRequestMessage(HttpMethod.Get, $"{Base}/guests");
        refused.Headers.Host = "elsewhere.example";

        await (await client.SendAsync(allowed, Ct)).ShouldBeAsync(HttpStatusCode.OK);
        await (await client.SendAsync(refused, Ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
        // The shipped "*" (this class's default host) filters nothing: any Host is served.
        using var any = new HttpRequestMessage(HttpMethod.Get, $"{Base}/guests");
        any.Headers.Host = "elsewhere.example";
        await (await Client.SendAsync(any, Ct)).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Error_answers_are_json_for_every_kind_of_failure()
    {
        (string Method, string Url, string? Body, HttpStatusCode Status)[] cases =
        [
            ("GET", "/nope/x", null, HttpStatusCode.NotFound),
            ("GET", "/kvm/10.0.0.1", null, HttpStatusCode.Forbidden),
            ("GET", "/kvm/kvm1.lab.example", null, HttpStatusCode.Unauthorized),
            ("GET", "/test/default/guests/missing", null, HttpStatusCode.NotFound),
            ("POST", "/test/default/guests", "{\"name\":", HttpStatusCode.BadRequest),
            ("GET", "/hyperv/host1.example", null, HttpStatusCode.NotImplemented),
            ("DELETE", "/healthz", null, HttpStatusCode.MethodNotAllowed),
        ];
        foreach (var (method, url, body, status) in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (body is not null)
            {
                request.Content = new StringContent(body);
            }

            var response = await Client.SendAsync(request, Ct);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.DoesNotContain("at Simplestack", text, StringComparison.Ordinal);
            Assert.Contains("\"error\":", text, StringComparison.Ordinal);
        }
    }

    private sealed class ThrowingAuthorizer : ICallerAuthorizer
    {
        public ValueTask AuthorizeAsync(HttpContext context, ResolvedTarget target)
            => throw new InvalidOperationException("internal detail that must not leak");
    }
}
