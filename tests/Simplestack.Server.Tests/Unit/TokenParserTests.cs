using System.Text;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Tests.Unit;

public class TokenParserTests
{
    private static string Token(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Parses_user_and_password()
    {
        // The original documentation's example: simplestack:simpleP4s5w0rD.
        Assert.Equal(TokenStatus.Valid, TokenParser.TryParse("c2ltcGxlc3RhY2s6c2ltcGxlUDRzNXcwckQ=", out var credentials, out _));
        Assert.Equal("simplestack", credentials!.User);
        Assert.Equal("simpleP4s5w0rD", credentials.Password);
    }

    [Fact]
    public void The_password_is_everything_after_the_first_colon()
    {
        Assert.Equal(TokenStatus.Valid, TokenParser.TryParse(Token("root:pa:ss:word"), out var credentials, out _));
        Assert.Equal("root", credentials!.User);
        Assert.Equal("pa:ss:word", credentials.Password);
    }

    [Fact]
    public void An_empty_password_is_allowed()
    {
        Assert.Equal(TokenStatus.Valid, TokenParser.TryParse(Token("root:"), out var credentials, out _));
        Assert.Equal(string.Empty, credentials!.Password);
    }

    [Fact]
    public void Unicode_survives()
    {
        Assert.Equal(TokenStatus.Valid, TokenParser.TryParse(Token("josé:pässwörd€"), out var credentials, out _));
        Assert.Equal("josé", credentials!.User);
        Assert.Equal("pässwörd€", credentials.Password);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing(string? token)
        => Assert.Equal(TokenStatus.Missing, TokenParser.TryParse(token, out _, out _));

    [Theory]
    [InlineData("!!!")]
    [InlineData("not base64")]
    [InlineData("abc")]
    public void Not_base64_is_malformed(string token)
    {
        Assert.Equal(TokenStatus.Malformed, TokenParser.TryParse(token, out var credentials, out var error));
        Assert.Null(credentials);
        Assert.Contains("base64", error, StringComparison.Ordinal);
    }

    [Fact]
    public void No_colon_is_malformed_and_the_error_does_not_repeat_the_secret()
    {
        Assert.Equal(TokenStatus.Malformed, TokenParser.TryParse(Token("justasecretword"), out _, out var error));
        Assert.DoesNotContain("justasecretword", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_malformed()
        => Assert.Equal(TokenStatus.Malformed, TokenParser.TryParse(Convert.ToBase64String([0xff, 0xfe, (byte)':', 0x80]), out _, out _));

    [Fact]
    public void Credentials_ToString_hides_the_password()
    {
        TokenParser.TryParse(Token("root:hunter2"), out var credentials, out _);
        Assert.DoesNotContain("hunter2", credentials!.ToString(), StringComparison.Ordinal);
    }
}
