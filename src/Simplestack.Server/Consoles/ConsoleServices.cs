using Microsoft.Extensions.Options;

namespace Simplestack.Server.Consoles;

public static class ConsoleServices
{
    /// <summary>Console tickets and their options (the caller check that redeems them is registered with security).</summary>
    public static IServiceCollection AddSimplestackConsoles(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>()
            .Bind(configuration.GetSection(ConsoleOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddSingleton<ConsoleTickets>();
        return services;
    }
}
