using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

/// <summary>
/// The <c>vmware</c> driver: an ESXi host or a vCenter through the vSphere Web Services (vim25
/// SOAP) at <c>https://{host[:port]}/sdk</c>. A connection is one logged-in session (the gateway
/// pools connections per target and credentials), logged out when it closes.
/// </summary>
public sealed class VSphereDriver : IHypervisorDriver
{
    public const string DriverName = "vmware";

    private readonly VSphereDriverOptions _options;
    private readonly ILogger _logger;
    private readonly Func<string, int?, HttpMessageHandler> _handlers;

    public VSphereDriver(VSphereDriverOptions options, ILoggerFactory? loggers = null)
        : this(options, loggers, null)
    {
    }

    /// <summary>With <paramref name="handlers"/>, the HTTP handler for each (host, port) (tests answer from canned exchanges).</summary>
    internal VSphereDriver(VSphereDriverOptions options, ILoggerFactory? loggers, Func<string, int?, HttpMessageHandler>? handlers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var trust = new CertificateTrust("Simplestack:VSphere", options.CertificatePins, options.CaFile); // A pin or CA file that cannot be read stops the start: never ignored.
        _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("Simplestack.Drivers.VSphere");
        _handlers = handlers ?? ((host, port) => trust.CreateHandler(host, port, useCookies: false)); // VimSoapClient keeps the session cookie
    }

    public string Name => DriverName;

    public Type ConnectionType => typeof(VSphereConnection);

    public IReadOnlyList<DriverNote> Notes => VSphereDriverNotes.All;

    /// <summary>vSphere always authenticates.</summary>
    public bool RequiresCredentials(HypervisorTarget target) => true;

    public async Task<IHypervisorConnection> ConnectAsync(HypervisorTarget target, HypervisorCredentials? credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (credentials is null)
        {
            throw new UnauthorizedException("The vmware driver needs the ESXi or vCenter user and password (x-simplestack-hypervisor-token).");
        }

        var policy = new HypervisorCallPolicy(Name, _options.MaxConcurrentCalls, TimeSpan.FromSeconds(_options.CallTimeoutSeconds));
        var soap = new VimSoapClient(VimSoapClient.EndpointFor(target.Host, target.Port), _handlers(target.Host, target.Port));
        VimSession session;
        try
        {
            session = await VimSession.LoginAsync(soap, policy, credentials, cancellationToken);
        }
        catch
        {
            soap.Dispose();
            throw;
        }

        var connection = new VSphereConnection(target, session, policy, _options.Placement, _logger);
        policy.IsAlive = () => connection.IsAlive;
        VSphereLog.Connected(_logger, target.ToString(), session.Content.FullName);
        return connection;
    }
}

internal static partial class VSphereLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "vSphere target {Target} is {Product}")]
    public static partial void Connected(ILogger logger, string target, string product);
}
