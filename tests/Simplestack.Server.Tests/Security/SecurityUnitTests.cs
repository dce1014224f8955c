using Microsoft.AspNetCore.Http;
using Simplestack.Server.Security;

namespace Simplestack.Server.Tests.Security;

public class SecurityUnitTests
{
    [Fact]
    public void Keys_are_matched_by_hash_and_named()
    {
        var keys = ApiKeys.From([new ApiKeyEntry { Name = "ci", Hash = ApiKeys.HashOf("k1") }, new ApiKeyEntry { Name = "ops", Hash = ApiKeys.HashOf("k2")[7..] }]);
        Assert.True(keys.Enabled);
        Assert.Equal("ci", keys.Match("k1"));
        Assert.Equal("ops", keys.Match("k2"));
        Assert.Null(keys.Match("k3"));
        Assert.Null(keys.Match(""));
        Assert.False(ApiKeys.From([]).Enabled);
    }

    [Theory]
    [InlineData("my-plain-key")]
    [InlineData("sha256:1234")]
    [InlineData("sha256:zz02030405060708091011121314151617181920212223242526272829303132")]
    public void A_plain_key_or_a_bad_hash_is_refused_without_echoing_it(string hash)
    {
        var error = Assert.Throws<FormatException>(() => ApiKeys.From([new ApiKeyEntry { Name = "x", Hash = hash }]));
        Assert.DoesNotContain(hash, error.Message, StringComparison.Ordinal);
        Assert.Contains("sha256sum", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://127.0.0.2:8080", true)]
    [InlineData("http://unix:/run/simplestack.sock", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:80", false)]
    [InlineData("https://10.1.2.3:443", false)]
    [InlineData("http://gateway.example:80", false)]
    public void Loopback_addresses_are_told_from_exposed_ones(string address, bool loopback)
        => Assert.Equal(loopback, ExposureGuard.IsLoopback(address));

    [Fact]
    public void The_refusal_says_how_to_fix_it()
    {
        var message = ExposureGuard.RefusalMessage(["http://0.0.0.0:8080"]);
        Assert.Contains("Simplestack:Security:ApiKeys:0:Hash", message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("k", null, "k")]
    [InlineData(null, "Bearer k", "k")]
    [InlineData("k", "Bearer k", "k")]
    [InlineData(null, "Basic k", null)]
    [InlineData("k", "Bearer other", null)]
    [InlineData(" ", null, null)]
    public void The_key_comes_from_either_header(string? token, string? authorization, string? expected)
    {
        IHeaderDictionary headers = new HeaderDictionary();
        if (token is not null)
        {
            headers["x-simplestack-token"] = token;
        }

        if (authorization is not null)
        {
            headers.Authorization = authorization;
        }

        Assert.Equal(expected, ApiKeyAuthorizer.ReadKey(headers, out _));
    }
}
