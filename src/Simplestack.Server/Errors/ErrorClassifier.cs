using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Simplestack.Core;

namespace Simplestack.Server.Errors;

/// <summary>Turns an exception into the error answer (pure: no logging, no I/O).</summary>
public static class ErrorClassifier
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

    /// <summary>A person-readable account of a JSON error, with the path of the offending value.</summary>
    public static string DescribeJsonError(JsonException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        message = message.TrimEnd('.', ' ');
        var where = exception.Path is { Length: > 0 } path ? $" at {path}" : string.Empty;
        var line = exception.LineNumber is { } l ? $" (line {l + 1}, byte {exception.BytePositionInLine + 1})" : string.Empty;
        return $"The request body is not valid{where}{line}: {message}.";
    }
}
