using Microsoft.Extensions.Options;

namespace Simplestack.Server.Targets;

public static class TargetServices
{
    /// <summary>
    /// The allow-list and target resolution, with their options. The <see cref="DriverRegistry"/>
    /// they check against is registered by whoever composes the drivers.
    /// </summary>
    public static IServiceCollection AddSimplestackTargets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TargetOptions>()
            .Bind(configuration.GetSection(TargetOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TargetOptions>, TargetOptionsValidator>();
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.Section));
        services.AddSingleton(CreateAllowList);
        services.AddSingleton<TargetResolver>();
        return services;
    }

    private static AllowList CreateAllowList(IServiceProvider services)
    {
        var configured = services.GetRequiredService<IOptions<TargetOptions>>().Value.AllowedTargets;
        var drivers = services.GetRequiredService<DriverRegistry>();
        return AllowList.Parse(configured.Count > 0 ? configured : AllowList.Defaults, drivers.Canonical);
    }
}
