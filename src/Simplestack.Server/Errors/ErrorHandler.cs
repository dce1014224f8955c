using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Simplestack.Server.Logging;

namespace Simplestack.Server.Errors;

/// <summary>
/// The exception handler: every failure answers JSON without a stack trace. Unforeseen ones are
/// logged here with their exception and answered with a fixed message.
/// </summary>
public sealed class ErrorHandler(ILogger<ErrorHandler> logger) : IExceptionHandler
{
    /// <summary>For <c>UseExceptionHandler</c>: the framework's middleware, answering through this handler.</summary>
    public static ExceptionHandlerOptions MiddlewareOptions() => new()
    {
        // This handler logs what deserves it (unforeseen failures with their exception); the
        // middleware's own error log would repeat every expected 4xx with a stack trace.
        SuppressDiagnosticsCallback = context => context.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService,

        // Reached only if this handler declined, which it never does.
        ExceptionHandler = context => ErrorWriter.WriteAsync(
            context,
            new ErrorResponse(ErrorResponse.InternalError, ErrorClassifier.UnexpectedMessage, StatusCodes.Status500InternalServerError)),
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException or IOException && httpContext.RequestAborted.IsCancellationRequested)
        {
            Log.RequestAborted(logger, httpContext.Request.Method, httpContext.Request.Path, httpContext.TraceIdentifier);
            httpContext.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return true;
        }

        var error = ErrorClassifier.Classify(exception);
        if (error.Status >= StatusCodes.Status500InternalServerError && error.Error == ErrorResponse.InternalError)
        {
            Log.UnhandledException(logger, exception, httpContext.Request.Method, httpContext.Request.Path, httpContext.TraceIdentifier);
        }
        else if (error.Status >= StatusCodes.Status502BadGateway)
        {
            Log.HypervisorFailed(logger, exception, httpContext.Request.Method, httpContext.Request.Path, error.Status, error.Error, httpContext.TraceIdentifier);
        }
        else
        {
            Log.RequestFailed(logger, httpContext.Request.Method, httpContext.Request.Path, error.Status, error.Error, httpContext.TraceIdentifier);
        }

        if (exception is Core.OperationInProgressException inProgress && !httpContext.Response.HasStarted)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds(inProgress.RetryAfter);
        }

        await ErrorWriter.WriteAsync(httpContext, error);
        return true;
    }

    /// <summary>Retry-After in whole seconds, at least 1.</summary>
    public static string RetryAfterSeconds(TimeSpan retryAfter)
        => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
