using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Simplestack.Core;
using Simplestack.Server.Errors;

namespace Simplestack.Server.Tests.Unit;

public class ErrorMappingTests
{
    [Fact]
    public void Every_error_kind_has_a_status()
    {
        foreach (var kind in Enum.GetValues<ErrorKind>())
        {
            Assert.True(ErrorMapping.Table.ContainsKey(kind), $"{kind} has no status in ErrorMapping.Table");
        }
    }

    [Theory]
    [InlineData(ErrorKind.InvalidArguments, 400)]
    [InlineData(ErrorKind.Unauthorized, 401)]
    [InlineData(ErrorKind.TargetNotAllowed, 403)]
    [InlineData(ErrorKind.EntityNotFound, 404)]
    [InlineData(ErrorKind.Conflict, 409)]
    [InlineData(ErrorKind.LengthRequired, 411)]
    [InlineData(ErrorKind.PayloadTooLarge, 413)]
    [InlineData(ErrorKind.FeatureNotImplemented, 501)]
    [InlineData(ErrorKind.FeatureNotAvailable, 501)]
    [InlineData(ErrorKind.HypervisorError, 502)]
    [InlineData(ErrorKind.HypervisorUnavailable, 503)]
    [InlineData(ErrorKind.HypervisorTimeout, 504)]
    public void Status_of_each_kind(ErrorKind kind, int status)
        => Assert.Equal(status, ErrorMapping.StatusOf(kind));

    [Theory]
    [InlineData(400, "InvalidArguments")]
    [InlineData(401, "Unauthorized")]
    [InlineData(403, "TargetNotAllowed")]
    [InlineData(404, "EntityNotFound")]
    [InlineData(405, "MethodNotAllowed")]
    [InlineData(411, "LengthRequired")]
    [InlineData(413, "PayloadTooLarge")]
    [InlineData(415, "InvalidArguments")]
    [InlineData(431, "InvalidArguments")]
    [InlineData(500, "InternalError")]
    [InlineData(502, "InternalError")]
    public void A_bare_status_reads_its_word_from_the_same_table(int status, string word)
        => Assert.Equal(word, ErrorMapping.WordOf(status));

    [Fact]
    public void Domain_exceptions_keep_their_kind_word_and_message()
    {
        var error = ErrorClassifier.Classify(EntityNotFoundException.Of("guest", "web1"));
        Assert.Equal(new ErrorResponse("EntityNotFound", "guest 'web1' was not found.", 404), error);
        Assert.Equal("FeatureNotImplemented", ErrorClassifier.Classify(new FeatureNotImplementedException("x")).Error);
        Assert.Equal("FeatureNotAvailable", ErrorClassifier.Classify(new FeatureNotAvailableException("x")).Error);
        Assert.Equal("HypervisorError", ErrorClassifier.Classify(new HypervisorErrorException("x")).Error);
    }

    [Fact]
    public void Bad_requests_are_400_and_too_large_ones_413()
    {
        Assert.Equal(400, ErrorClassifier.Classify(new BadHttpRequestException("bad")).Status);
        var tooLarge = ErrorClassifier.Classify(new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge));
        Assert.Equal(("PayloadTooLarge", 413), (tooLarge.Error, tooLarge.Status));
    }

    [Fact]
    public void Json_errors_are_400_with_the_path()
    {
        var exception = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Dictionary<string, int>>("""{"memory": "a lot"}"""));
        var error = ErrorClassifier.Classify(exception);
        Assert.Equal(("InvalidArguments", 400), (error.Error, error.Status));
        Assert.Contains("$.memory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anything_else_is_500_with_a_fixed_message()
    {
        var error = ErrorClassifier.Classify(new InvalidOperationException("secret internal detail at Simplestack.Foo"));
        Assert.Equal(new ErrorResponse("InternalError", "An unexpected error occurred.", 500), error);
    }
}
