using Microsoft.AspNetCore.Http;
using Simplestack.Core;

namespace Simplestack.Server.Errors;

/// <summary>The one table that maps the domain's <see cref="ErrorKind"/> to HTTP (API.md §2).</summary>
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
        [ErrorKind.PayloadTooLarge] = StatusCodes.Status413PayloadTooLarge,
        [ErrorKind.FeatureNotImplemented] = StatusCodes.Status501NotImplemented,
        [ErrorKind.FeatureNotAvailable] = StatusCodes.Status501NotImplemented,
        [ErrorKind.HypervisorError] = StatusCodes.Status502BadGateway,
        [ErrorKind.HypervisorUnavailable] = StatusCodes.Status503ServiceUnavailable,
        [ErrorKind.HypervisorTimeout] = StatusCodes.Status504GatewayTimeout,
    };

    /// <summary>The status code of an error kind (500 for a kind the table does not know).</summary>
    public static int StatusOf(ErrorKind kind)
        => Table.TryGetValue(kind, out var status) ? status : StatusCodes.Status500InternalServerError;
}
