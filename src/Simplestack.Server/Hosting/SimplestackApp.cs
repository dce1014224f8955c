using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using Simplestack.Server.Endpoints;
using Simplestack.Server.Observability;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Hosting;

public static class SimplestackApp
{
    /// <summary>Maps health, readiness and metrics, the driver list, the hypervisor routes under <c>/{hypervisor}/{host}</c>, the staging agent, OpenAPI and the API page.</summary>
    public static WebApplication MapSimplestack(this WebApplication app)
    {
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
        targets.MapConsoleEndpoints();
        targets.MapTagsEndpoints();
        targets.MapSnapshotsEndpoints();
        targets.MapNetworksEndpoints();
        targets.MapCatalogEndpoints();
        targets.MapEventsEndpoints();

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
}
