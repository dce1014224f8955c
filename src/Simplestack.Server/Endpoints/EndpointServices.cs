using Microsoft.Extensions.Options;
using Simplestack.Server.Json;

namespace Simplestack.Server.Endpoints;

public static class EndpointServices
{
    /// <summary>What the route handlers take from services: their options and the guest list bodies.</summary>
    public static IServiceCollection AddSimplestackEndpoints(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PowerOptions>()
            .Bind(configuration.GetSection(PowerOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PowerOptions>, PowerOptionsValidator>();
        services.AddOptions<CatalogOptions>()
            .Bind(configuration.GetSection(CatalogOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CatalogOptions>, CatalogOptionsValidator>();
        services.AddOptions<GuestWaitOptions>()
            .Bind(configuration.GetSection(GuestWaitOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GuestWaitOptions>, GuestWaitOptionsValidator>();
        services.AddOptions<Work.WorkOptions>().Bind(configuration.GetSection(Work.WorkOptions.Section));
        services.AddOptions<CompressionOptions>().Bind(configuration.GetSection(CompressionOptions.Section));
        services.AddSingleton<ListBodies>();
        return services;
    }
}
