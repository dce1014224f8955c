using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt;
using Simplestack.Server.Connections;
using Simplestack.Server.Errors;
using Simplestack.Server.Json;
using Simplestack.Server.Logging;
using Simplestack.Server.Observability;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Requests;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Hosting;

public static class SimplestackServices
{
    public const string LibvirtSection = "Simplestack:Libvirt";

    /// <summary>Registers the gateway: options, drivers, allow-list, connection pool, JSON, errors, OpenAPI.</summary>
    public static IServiceCollection AddSimplestack(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SimplestackOptions>()
            .Bind(configuration.GetSection(SimplestackOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SimplestackOptions>, SimplestackOptionsValidator>();
        services.AddOptions<LibvirtDriverOptions>().Bind(configuration.GetSection(LibvirtSection));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(CreateDrivers);
        services.AddSingleton(CreateAllowList);
        services.AddSimplestackRequests(configuration);
        services.AddSimplestackSecurity(configuration);
        services.AddSimplestackObservability(configuration);
        services.AddSingleton<TargetResolver>();
        services.AddSingleton<ConnectionPool>();
        services.AddSingleton<ListBodies>();
        services.AddHostedService<ConnectionPoolSweeper>();

        services.ConfigureHttpJsonOptions(options => JsonDefaults.Apply(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ErrorHandler>();
        LeaveHostFilteringToProgram(services);

        if (ContractDocument.GeneratedLive(configuration))
        {
            services.AddOpenApi(options =>
            {
                options.AddDocumentTransformer<DocumentInfoTransformer>();
                options.AddOperationTransformer<RequestBodyTransformer>();
                options.AddOperationTransformer<TargetParametersTransformer>();
            });
        }

        return services;
    }

    /// <summary>
    /// The drivers, registered explicitly. Constructing them opens nothing: connections are made on
    /// first use, so the server starts (and the build generates its OpenAPI document) without a hypervisor.
    /// </summary>
    private static DriverRegistry CreateDrivers(IServiceProvider services)
    {
        var libvirt = services.GetRequiredService<IOptions<LibvirtDriverOptions>>().Value;
        var registry = new DriverRegistry()
            .Add("test", LibvirtDriver.Test(libvirt))
            .Add("kvm", LibvirtDriver.Qemu(libvirt), "qemu")
            .Add("lxc", LibvirtDriver.Lxc(libvirt))
            .Add("xen", new PlaceholderDriver("xen", ErrorKind.FeatureNotImplemented, "The Xen driver is not built yet."))
            .Add("vmware", new PlaceholderDriver("vmware", ErrorKind.FeatureNotImplemented, "The VMware driver is not built yet."))
            .Add("hyperv", new PlaceholderDriver(
                "hyperv",
                ErrorKind.FeatureNotAvailable,
                "Hyper-V is not available: Simplestack has no Hyper-V driver (Hyper-V is managed through WMI on Windows, which this gateway does not use)."));
        Log.DriversRegistered(services.GetRequiredService<ILoggerFactory>().CreateLogger("Simplestack.Server"), string.Join(", ", registry.Names));
        return registry;
    }

    /// <summary>
    /// The web host adds AllowedHosts filtering through a startup filter, in front of everything
    /// Program.cs shows. It is taken out here so that Program.cs places <c>UseHostFiltering</c>
    /// itself, behind the request middleware that logs, counts and answers its refusals in JSON.
    /// The host's filtering options (from <c>AllowedHosts</c>) stay as the host configured them.
    /// </summary>
    private static void LeaveHostFilteringToProgram(IServiceCollection services)
    {
        var hostFiltering = services.Where(service => service.ServiceType == typeof(IStartupFilter)
                                                      && service.ImplementationType?.FullName == "Microsoft.AspNetCore.HostFilteringStartupFilter")
            .ToList();
        foreach (var service in hostFiltering)
        {
            services.Remove(service);
        }
    }

    private static AllowList CreateAllowList(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<SimplestackOptions>>().Value;
        var drivers = services.GetRequiredService<DriverRegistry>();
        return AllowList.Parse(options.AllowedTargets.Count > 0 ? options.AllowedTargets : AllowList.Defaults, drivers.Canonical);
    }
}

/// <summary>Refuses a configuration that cannot work, at start-up, with a message naming the key.</summary>
internal sealed class SimplestackOptionsValidator : IValidateOptions<SimplestackOptions>
{
    public ValidateOptionsResult Validate(string? name, SimplestackOptions options)
    {
        List<string> failures = [];
        try
        {
            AllowList.Parse(options.AllowedTargets);
        }
        catch (FormatException e)
        {
            failures.Add(e.Message);
        }

        foreach (var size in options.Sizes)
        {
            if (string.IsNullOrWhiteSpace(size.Id) || size.Cpus < 1 || size.Memory < 1 || size.Disk is <= 0)
            {
                failures.Add($"Simplestack:Sizes entry '{size.Id}' needs an id, cpus >= 1, memory >= 1 (MiB) and, if given, disk > 0 (GiB).");
            }
        }

        if (options.MaxWaitSeconds < 0)
        {
            failures.Add("Simplestack:MaxWaitSeconds must not be negative.");
        }

        var pool = options.Connections;
        if (pool.MaxConnections < 1)
        {
            failures.Add("Simplestack:Connections:MaxConnections must be at least 1.");
        }

        if (pool.IdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("Simplestack:Connections:IdleTimeout must be positive.");
        }

        if (pool.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add("Simplestack:Connections:ConnectTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
