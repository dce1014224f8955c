using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using Simplestack.Core;
using Simplestack.Server.Endpoints;
using Simplestack.Server.Errors;
using Simplestack.Server.Observability;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Hosting;

/// <summary>The answer of <c>GET /healthz</c>.</summary>
public sealed record HealthStatus(string Status);

public static class SimplestackApp
{
    /// <summary>
    /// Every error answers JSON: exceptions through <see cref="ErrorHandler"/>; answers left without
    /// a body (no route matched, 405, a framework 4xx) through <see cref="WriteStatusCodePageAsync"/>,
    /// called by <see cref="RequestObservabilityMiddleware"/> rather than by <c>UseStatusCodePages</c>,
    /// which would add a middleware layer (and a feature object) to every request.
    /// </summary>
    public static WebApplication UseSimplestackErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // ErrorHandler logs what deserves it (unforeseen failures with their exception); the
            // middleware's own error log would repeat every expected 4xx with a stack trace.
            SuppressDiagnosticsCallback = context => context.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService,

            // Reached only if ErrorHandler declined, which it never does.
            ExceptionHandler = context => ErrorWriter.WriteAsync(
                context,
                new ErrorResponse(ErrorResponse.InternalError, ErrorClassifier.UnexpectedMessage, StatusCodes.Status500InternalServerError)),
        });
        return app;
    }

    /// <summary>
    /// Routing, then <see cref="TargetResolutionMiddleware"/>: the target of a <c>/{hypervisor}/{host}</c>
    /// route is checked once its endpoint is known and before anything of the request is bound.
    /// </summary>
    public static WebApplication UseSimplestackTargets(this WebApplication app)
    {
        app.UseRouting();
        app.UseMiddleware<TargetResolutionMiddleware>();
        return app;
    }

    /// <summary>Maps the hypervisor routes under <c>/{hypervisor}/{host}</c>, health, OpenAPI and the API page.</summary>
    public static WebApplication MapSimplestack(this WebApplication app)
    {
        app.MapGet("/healthz", Health)
            .WithTags("Health")
            .WithName("Health")
            .WithSummary("The process is alive (no hypervisor is contacted)");
        var protectOperational = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.ProtectOperationalEndpoints;
        app.MapSimplestackObservability(protectOperational);
        app.MapDriversEndpoints(protectOperational);

        var targets = app.MapGroup("/{hypervisor}/{host}")
            .WithMetadata(TargetRoute.FromUrl)
            .ProducesError(
                StatusCodes.Status400BadRequest,
                StatusCodes.Status401Unauthorized,
                StatusCodes.Status403Forbidden,
                StatusCodes.Status404NotFound,
                StatusCodes.Status500InternalServerError,
                StatusCodes.Status501NotImplemented,
                StatusCodes.Status502BadGateway,
                StatusCodes.Status503ServiceUnavailable,
                StatusCodes.Status504GatewayTimeout);
        targets.MapPoolEndpoints();
        targets.MapHostsEndpoints();
        targets.MapStoragesEndpoints();
        targets.MapGuestsEndpoints();
        targets.MapPowerEndpoints();
        targets.MapDisksEndpoints();
        targets.MapMediaEndpoints();
        targets.MapNetworkInterfacesEndpoints();
        targets.MapTagsEndpoints();
        targets.MapSnapshotsEndpoints();
        targets.MapNetworksEndpoints();
        targets.MapCatalogEndpoints();

        app.MapAgentEndpoints();

        if (ContractDocument.GeneratedLive(app.Configuration))
        {
            app.MapOpenApi();
        }
        else
        {
            app.MapGet(ContractDocument.Path, ContractDocument.Serve).ExcludeFromDescription();
        }

        app.MapScalarApiReference(options => options.WithTitle("Simplestack"));
        return app;
    }

    public static Ok<HealthStatus> Health() => TypedResults.Ok(new HealthStatus("ok"));

    /// <summary>Whether an answer still needs a JSON error body: an error status, nothing written, no content set.</summary>
    public static bool NeedsStatusCodePage(HttpResponse response)
        => response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType);

    /// <summary>The JSON error body of an answer that has a status and nothing else.</summary>
    public static async Task WriteStatusCodePageAsync(HttpContext http)
    {
        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var request = http.Request;
        var status = http.Response.StatusCode;
        var error = status switch
        {
            StatusCodes.Status404NotFound => new ErrorResponse(
                nameof(ErrorKind.EntityNotFound), $"No route matches {request.Method} {request.Path}.", status),
            StatusCodes.Status405MethodNotAllowed => new ErrorResponse(
                ErrorResponse.MethodNotAllowed,
                $"{request.Method} is not allowed on {request.Path}; allowed: {http.Response.Headers.Allow}.",
                status),
            StatusCodes.Status401Unauthorized => new ErrorResponse(nameof(ErrorKind.Unauthorized), "Unauthorized.", status),
            StatusCodes.Status403Forbidden => new ErrorResponse(nameof(ErrorKind.TargetNotAllowed), "Forbidden.", status),
            StatusCodes.Status413PayloadTooLarge => new ErrorResponse(nameof(ErrorKind.PayloadTooLarge), "The request body is too large.", status),
            >= 500 => new ErrorResponse(ErrorResponse.InternalError, ErrorClassifier.UnexpectedMessage, status),
            _ => new ErrorResponse(nameof(ErrorKind.InvalidArguments), $"The request failed with status {status}.", status),
        };
        await ErrorWriter.WriteAsync(http, error);
    }
}
