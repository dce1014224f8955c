using Microsoft.Extensions.Options;
using Simplestack.Server.Consoles;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Security;

public static class SecurityServices
{
    /// <summary>API keys (the caller check of every route), the loopback guard, and their options.</summary>
    public static IServiceCollection AddSimplestackSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>()
            .Bind(configuration.GetSection(SecurityOptions.Section))
            .Validate(
                options =>
                {
                    try
                    {
                        ApiKeys.From(options.ApiKeys);
                        return true;
                    }
                    catch (FormatException)
                    {
                        return false;
                    }
                },
                "Simplestack:Security:ApiKeys: every Hash must be 'sha256:' and the 64 hex digits of the key's SHA-256 (printf %s \"$KEY\" | sha256sum), never the key itself.")
            .ValidateOnStart();
        services.AddSingleton(sp => ApiKeys.From(sp.GetRequiredService<IOptions<SecurityOptions>>().Value.ApiKeys));
        services.AddSingleton<ApiKeyAuthorizer>();
        // The key check, and on the console's WebSocket a console ticket in its place (Consoles/).
        services.AddSingleton<ICallerAuthorizer, ConsoleTicketAuthorizer>();
        services.AddSingleton<RequireApiKeyFilter>();
        services.AddSingleton<ExposureGuard>();
        services.AddHostedService(sp => sp.GetRequiredService<ExposureGuard>());
        return services;
    }
}
