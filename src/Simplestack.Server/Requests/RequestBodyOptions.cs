using Microsoft.Extensions.Options;

namespace Simplestack.Server.Requests;

/// <summary>Request body limits (section <c>Simplestack</c>).</summary>
public sealed class RequestBodyOptions
{
    public const string Section = "Simplestack";

    /// <summary>Largest JSON request body, in bytes (413 past it).</summary>
    public long MaxJsonBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest import stream, in bytes; null (the default) for no limit.</summary>
    public long? MaxImportBodyBytes { get; set; }
}

/// <summary>Refuses, at start-up, a limit that cannot work, naming the key.</summary>
internal sealed class RequestBodyOptionsValidator : IValidateOptions<RequestBodyOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestBodyOptions options)
    {
        List<string> failures = [];
        if (options.MaxJsonBodyBytes <= 0)
        {
            failures.Add("Simplestack:MaxJsonBodyBytes must be greater than 0.");
        }

        if (options.MaxImportBodyBytes is <= 0)
        {
            failures.Add("Simplestack:MaxImportBodyBytes must be greater than 0, or absent for no limit.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class RequestServices
{
    /// <summary>The request body limits.</summary>
    public static IServiceCollection AddSimplestackRequests(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RequestBodyOptions>()
            .Bind(configuration.GetSection(RequestBodyOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RequestBodyOptions>, RequestBodyOptionsValidator>();
        return services;
    }
}
