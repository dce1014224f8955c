using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt;
using Simplestack.Drivers.VSphere;
using Simplestack.Drivers.XenApi;
using Simplestack.Server.Connections;
using Simplestack.Server.Consoles;
using Simplestack.Server.Events;
using Simplestack.Server.Endpoints;
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
    public const string XenApiSection = "Simplestack:XenApi";
    public const string VSphereSection = "Simplestack:VSphere";

    /// <summary>
    /// Registers the gateway: drivers, then each part with its own options (targets, connections,
    /// request bodies, routes, security, observability), JSON, errors, OpenAPI.
    /// </summary>
    public static IServiceCollection AddSimplestack(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LibvirtDriverOptions>().Bind(configuration.GetSection(LibvirtSection));
        services.AddOptions<XenApiDriverOptions>()
            .Bind(configuration.GetSection(XenApiSection))
            .PostConfigure(options => ReadCertificatePins(configuration.GetSection($"{XenApiSection}:CertificatePins"), options.CertificatePins));
        services.AddOptions<VSphereDriverOptions>()
            .Bind(configuration.GetSection(VSphereSection))
            .PostConfigure(options => ReadCertificatePins(configuration.GetSection($"{VSphereSection}:CertificatePins"), options.CertificatePins));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(CreateDrivers);

        services.AddSimplestackTargets(configuration);
        services.AddSimplestackConnections(configuration);
        services.AddSimplestackEvents(configuration);
        services.AddSimplestackRequests(configuration);
        services.AddSimplestackEndpoints(configuration);
        services.AddSimplestackConsoles(configuration);
        services.AddSimplestackSecurity(configuration);
        services.AddSimplestackObservability(configuration);

        services.ConfigureHttpJsonOptions(options => JsonDefaults.Apply(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ErrorHandler>();
        LeaveHostFilteringToProgram(services);

        if (ContractDocument.GeneratedLive(configuration))
        {
            services.AddOpenApi(options =>
            {
                options.AddDocumentTransformer<DocumentInfoTransformer>();
                options.AddDocumentTransformer<SecuritySchemesTransformer>();
                options.AddOperationTransformer<RequestBodyTransformer>();
                options.AddOperationTransformer<TargetParametersTransformer>();
                options.AddOperationTransformer<SecurityTransformer>();
                options.AddOperationTransformer<LocationHeaderTransformer>();
                options.AddOperationTransformer<FollowedAsStreamTransformer>();
                options.AddSchemaTransformer<ClosedWordsTransformer>();
                options.AddSchemaTransformer<UnionShapesTransformer>();
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
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var registry = new DriverRegistry()
            .Add("test", LibvirtDriver.Test(libvirt, loggers))
            .Add("kvm", LibvirtDriver.Qemu(libvirt, loggers), "qemu")
            .Add("lxc", LibvirtDriver.Lxc(libvirt, loggers))
            .Add("xen", new XenApiDriver(services.GetRequiredService<IOptions<XenApiDriverOptions>>().Value, loggers))
            .Add("vmware", new VSphereDriver(services.GetRequiredService<IOptions<VSphereDriverOptions>>().Value, loggers))
            .Add("hyperv", new PlaceholderDriver(
                "hyperv",
                ErrorKind.FeatureNotAvailable,
                "Hyper-V is not available: Simplestack has no Hyper-V driver (Hyper-V is managed through WMI on Windows, which this gateway does not use)."));
        Log.DriversRegistered(loggers.CreateLogger("Simplestack.Server"), string.Join(", ", registry.Names));
        return registry;
    }

    /// <summary>
    /// Certificate pins are keyed by <c>host:port</c>, and ':' is configuration's own separator, so
    /// the binder would see a section per host: the pins are read here with their whole relative
    /// path as the key (<c>"127.0.0.1:8443": "ab12..."</c> in JSON, or
    /// <c>Simplestack__XenApi__CertificatePins__127.0.0.1__8443</c> in the environment; the same
    /// under <c>Simplestack:VSphere</c>).
    /// </summary>
    private static void ReadCertificatePins(IConfigurationSection pins, IDictionary<string, string> certificatePins)
    {
        certificatePins.Clear();
        foreach (var (target, fingerprint) in pins.AsEnumerable(makePathsRelative: true))
        {
            if (fingerprint is not null)
            {
                certificatePins[target] = fingerprint;
            }
        }
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
}
