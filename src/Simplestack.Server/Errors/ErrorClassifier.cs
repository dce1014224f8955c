using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Simplestack.Core;

namespace Simplestack.Server.Errors;

/// <summary>Turns an exception into the error answer (pure: no logging, no I/O).</summary>
public static partial class ErrorClassifier
{
    public const string UnexpectedMessage = "An unexpected error occurred.";

    /// <summary>The answer for <paramref name="exception"/>; <see cref="ErrorResponse.InternalError"/> (500) for anything unforeseen.</summary>
    public static ErrorResponse Classify(Exception exception) => exception switch
    {
        SimplestackException e => new ErrorResponse(e.Kind.ToString(), e.Message, ErrorMapping.StatusOf(e.Kind)),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } e
            => new ErrorResponse(nameof(ErrorKind.PayloadTooLarge), e.Message, StatusCodes.Status413PayloadTooLarge),
        BadHttpRequestException e => new ErrorResponse(nameof(ErrorKind.InvalidArguments), e.Message, StatusCodes.Status400BadRequest),
        JsonException e => new ErrorResponse(nameof(ErrorKind.InvalidArguments), DescribeJsonError(e), StatusCodes.Status400BadRequest),
        OperationCanceledException or TimeoutException => new ErrorResponse(
            nameof(ErrorKind.HypervisorTimeout), "The operation was cancelled before it completed (timed out).", StatusCodes.Status504GatewayTimeout),
        _ => new ErrorResponse(ErrorResponse.InternalError, UnexpectedMessage, StatusCodes.Status500InternalServerError),
    };

    /// <summary>
    /// The serializer's messages name .NET types (<c>System.Collections.Generic.IReadOnlyList`1[...]</c>):
    /// internals a caller should not see. They become the JSON kind expected instead.
    /// </summary>
    public static string WithoutTypeNames(string message)
    {
        message = ConvertedTo().Replace(message, m => $"has the wrong type for this field (expected {JsonKindOf(m.Groups["type"].Value)})");
        message = MissingRequired().Replace(message, "a required property is missing:");
        return TypeName().Replace(message, "the expected type");
    }

    private static string JsonKindOf(string type) =>
        type.Contains("List", StringComparison.Ordinal) || type.Contains("[]", StringComparison.Ordinal) || type.Contains("Enumerable", StringComparison.Ordinal) ? "an array"
        : type.EndsWith("String", StringComparison.Ordinal) ? "a string"
        : type.EndsWith("Boolean", StringComparison.Ordinal) ? "true or false"
        : type.Contains("Int", StringComparison.Ordinal) || type.Contains("Double", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal)
          || type.Contains("Single", StringComparison.Ordinal) ? "a number"
        : "an object";

    [System.Text.RegularExpressions.GeneratedRegex(@"could not be converted to (?<type>[\w.`\[\], ]+?)(?=\.(\s|$)|$)")]
    private static partial System.Text.RegularExpressions.Regex ConvertedTo();

    [System.Text.RegularExpressions.GeneratedRegex(@"JSON deserialization for type '[^']*' was missing required properties,? including:")]
    private static partial System.Text.RegularExpressions.Regex MissingRequired();

    [System.Text.RegularExpressions.GeneratedRegex(@"'?\b(System|Simplestack|Microsoft)\.[\w.`+\[\], ]*[\w\]]'?")]
    private static partial System.Text.RegularExpressions.Regex TypeName();

    /// <summary>A person-readable account of a JSON error, with the path of the offending value.</summary>
    public static string DescribeJsonError(JsonException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        message = WithoutTypeNames(message).TrimEnd('.', ' ');
        var where = exception.Path is { Length: > 0 } path ? $" at {path}" : string.Empty;
        var line = exception.LineNumber is { } l ? $" (line {l + 1}, byte {exception.BytePositionInLine + 1})" : string.Empty;
        return $"The request body is not valid{where}{line}: {message}.";
    }
}
