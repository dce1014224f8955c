using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Security;

namespace Simplestack.Server.Observability;

/// <summary>The answer of <c>GET /healthz</c>.</summary>
public sealed record HealthStatus(string Status);

public static class ObservabilityServices
{
    /// <summary>Request ids and logs, metrics, readiness.</summary>
    public static IServiceCollection AddSimplestackObservability(this IServiceCollection services, IConfiguration configuration)
    {
        // The framework's per-request lines print whole URLs, query strings included (where a
        // careless caller may put a key); Simplestack's access log replaces them with the path only.
        // Off entirely, not only below Warning: while this category is enabled at any level, hosting
        // starts an Activity and a logging scope for every request (measured: ~1 us per request),
        // and what else it logs (an exception escaping the pipeline) RequestObservabilityMiddleware logs too.
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None));
        services.AddOptions<ReadinessOptions>().Bind(configuration.GetSection(ReadinessOptions.Section));
        services.AddOptions<AccessLogOptions>().Bind(configuration.GetSection(AccessLogOptions.Section));
        services.TryAddSingleton<IAccessLogSink, StdoutAccessLogSink>();
        services.AddSingleton<AccessLog>();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<Readiness>();
        // AllowedHosts refusals without the framework's HTML page; the request middleware writes the JSON body.
        services.Configure<HostFilteringOptions>(options => options.IncludeFailureMessage = false);
        return services;
    }

    /// <summary>
    /// <c>/healthz</c> (the process is alive), <c>/readyz</c> (each driver's status; 503 when a
    /// probed target fails) and <c>/metrics</c> (Prometheus text format, left out of the OpenAPI
    /// document). The last two need the API key when keys are configured (unless
    /// <c>Simplestack:Security:ProtectOperationalEndpoints</c> is false).
    /// </summary>
    public static IEndpointRouteBuilder MapSimplestackObservability(this IEndpointRouteBuilder app, bool protect)
    {
        app.MapGet("/healthz", Health)
            .WithTags("Health")
            .WithName("Health")
            .WithSummary("The process is alive (no hypervisor is contacted)")
            .ProducesError(StatusCodes.Status400BadRequest); // a Host header outside AllowedHosts, as on every route
        var readyz = app.MapGet("/readyz", ReadyAsync)
            .WithTags("Health")
            .WithName("Ready")
            .WithSummary("Each configured driver's status; 503 when a probed target does not answer")
            .Produces<ReadinessReport>(StatusCodes.Status200OK)
            .Produces<ReadinessReport>(StatusCodes.Status503ServiceUnavailable)
            .ProducesError(StatusCodes.Status400BadRequest);
        var metrics = app.MapGet("/metrics", MetricsAsync).ExcludeFromDescription();
        if (protect)
        {
            RequireApiKeyFilter.ApplyTo(readyz);
            RequireApiKeyFilter.ApplyTo(metrics);
        }

        return app;
    }

    public static Ok<HealthStatus> Health() => TypedResults.Ok(new HealthStatus(ReadinessWords.Ok));

    public static async Task<JsonHttpResult<ReadinessReport>> ReadyAsync(Readiness readiness, HttpContext context)
    {
        var report = await readiness.CheckAsync(context.RequestAborted);
        return TypedResults.Json(report, statusCode: report.Status == ReadinessWords.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    public static async Task MetricsAsync(GatewayMetrics metrics, HttpContext context)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }
}
