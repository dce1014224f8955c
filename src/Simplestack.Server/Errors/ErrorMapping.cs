using Microsoft.AspNetCore.Http;
using Simplestack.Core;

namespace Simplestack.Server.Errors;

/// <summary>The one table that maps the domain's <see cref="ErrorKind"/> to HTTP (API.md §2), and back.</summary>
public static class ErrorMapping
{
    /// <summary>Every kind and its status; a test checks that no kind is missing.</summary>
    public static IReadOnlyDictionary<ErrorKind, int> Table { get; } = new Dictionary<ErrorKind, int>
    {
        [ErrorKind.InvalidArguments] = StatusCodes.Status400BadRequest,
        [ErrorKind.Unauthorized] = StatusCodes.Status401Unauthorized,
        [ErrorKind.TargetNotAllowed] = StatusCodes.Status403Forbidden,
        [ErrorKind.EntityNotFound] = StatusCodes.Status404NotFound,
        [ErrorKind.Conflict] = StatusCodes.Status409Conflict,
        [ErrorKind.OperationInProgress] = StatusCodes.Status409Conflict,
        [ErrorKind.LengthRequired] = StatusCodes.Status411LengthRequired,
        [ErrorKind.PayloadTooLarge] = StatusCodes.Status413PayloadTooLarge,
        [ErrorKind.IdempotencyKeyReused] = StatusCodes.Status422UnprocessableEntity,
        [ErrorKind.FeatureNotImplemented] = StatusCodes.Status501NotImplemented,
        [ErrorKind.FeatureNotAvailable] = StatusCodes.Status501NotImplemented,
        [ErrorKind.HypervisorError] = StatusCodes.Status502BadGateway,
        [ErrorKind.HypervisorUnavailable] = StatusCodes.Status503ServiceUnavailable,
        [ErrorKind.HypervisorTimeout] = StatusCodes.Status504GatewayTimeout,
    };

    // The table read backwards, for the 4xx statuses exactly one kind answers with.
    private static readonly Dictionary<int, string> ClientErrorWords = Table
        .Where(entry => entry.Value < StatusCodes.Status500InternalServerError)
        .GroupBy(entry => entry.Value)
        .Where(kinds => kinds.Count() == 1)
        .ToDictionary(kinds => kinds.Key, kinds => kinds.Single().Key.ToString());

    /// <summary>The status code of an error kind (500 for a kind the table does not know).</summary>
    public static int StatusOf(ErrorKind kind)
        => Table.TryGetValue(kind, out var status) ? status : StatusCodes.Status500InternalServerError;

    /// <summary>
    /// The <c>error</c> word of an answer that has only a status, no exception (no route matched,
    /// 405, a framework refusal): the kind the table gives that status, <see cref="ErrorResponse.MethodNotAllowed"/>
    /// for 405, <see cref="ErrorResponse.InternalError"/> for any 5xx (a bare 5xx says nothing about a
    /// hypervisor), <c>InvalidArguments</c> for any other 4xx.
    /// </summary>
    public static string WordOf(int status) => status switch
    {
        StatusCodes.Status405MethodNotAllowed => ErrorResponse.MethodNotAllowed,
        >= StatusCodes.Status500InternalServerError => ErrorResponse.InternalError,
        _ => ClientErrorWords.TryGetValue(status, out var word) ? word : nameof(ErrorKind.InvalidArguments),
    };
}
