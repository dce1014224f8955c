using Microsoft.Extensions.Options;

namespace Simplestack.Server.Connections;

public static class ConnectionServices
{
    /// <summary>The hypervisor connection pool, its idle sweeper and its options.</summary>
    public static IServiceCollection AddSimplestackConnections(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConnectionPoolOptions>()
            .Bind(configuration.GetSection(ConnectionPoolOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConnectionPoolOptions>, ConnectionPoolOptionsValidator>();
        services.AddSingleton<ConnectionPool>();
        services.AddHostedService<ConnectionPoolSweeper>();
        return services;
    }
}
