using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

/// <summary>
/// The <c>xen</c> driver: a XenServer or XCP-ng pool through XenAPI's JSON-RPC at
/// <c>https://{host[:port]}/jsonrpc</c>. A connection is one logged-in session (the gateway pools
/// connections per target and credentials); a member host that answers <c>HOST_IS_SLAVE</c> is
/// left for the master it names, on the same port.
/// </summary>
public sealed class XenApiDriver : IHypervisorDriver
{
    private readonly XenApiDriverOptions _options;
    private readonly CertificateTrust _trust;
    private readonly ILogger _logger;
    private readonly Func<string, int?, HttpMessageHandler> _handlers;

    public XenApiDriver(XenApiDriverOptions options, ILoggerFactory? loggers = null)
        : this(options, loggers, null)
    {
    }

    /// <summary>With <paramref name="handlers"/>, the HTTP handler for each (host, port) (tests answer from canned recordings).</summary>
    internal XenApiDriver(XenApiDriverOptions options, ILoggerFactory? loggers, Func<string, int?, HttpMessageHandler>? handlers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _trust = new CertificateTrust("Simplestack:XenApi", options.CertificatePins, options.CaFile); // A pin or CA file that cannot be read stops the start: never ignored.
        _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("Simplestack.Drivers.XenApi");
        _handlers = handlers ?? ((host, port) => _trust.CreateHandler(host, port));
    }

    public const string DriverName = "xen";

    public string Name => DriverName;

    public Type ConnectionType => typeof(XenApiConnection);

    public IReadOnlyList<DriverNote> Notes => XenApiDriverNotes.All;

    /// <summary>XenAPI always authenticates, even on the pool master itself.</summary>
    public bool RequiresCredentials(HypervisorTarget target) => true;

    public async Task<IHypervisorConnection> ConnectAsync(HypervisorTarget target, HypervisorCredentials? credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (credentials is null)
        {
            throw new UnauthorizedException("The xen driver needs the pool's user and password (x-simplestack-hypervisor-token).");
        }

        var policy = new HypervisorCallPolicy(Name, _options.MaxConcurrentCalls, TimeSpan.FromSeconds(_options.CallTimeoutSeconds));
        var (session, master) = await LoginAsync(target.Host, target.Port, policy, credentials, cancellationToken);
        if (session is null)
        {
            // A member host: the master it names, on the same port, once (a master that also says so is refused).
            XenApiLog.FollowingMaster(_logger, target.ToString(), master!);
            (session, master) = await LoginAsync(master!, target.Port, policy, credentials, cancellationToken);
            if (session is null)
            {
                throw new HypervisorErrorException($"The Xen host {target.Host} named {master} as its pool master, which also answered HOST_IS_SLAVE.");
            }
        }

        try
        {
            var connection = new XenApiConnection(target, session, policy, _logger, _trust.CreateSslOptions);
            policy.IsAlive = () => connection.IsAlive;
            return connection;
        }
        catch
        {
            await session.DisposeAsync(); // A login that half-failed is logged out.
            throw;
        }
    }

    private async Task<(XenApiSession? Session, string? Master)> LoginAsync(string host, int? port, HypervisorCallPolicy policy, HypervisorCredentials credentials, CancellationToken cancellationToken)
    {
        var rpc = new JsonRpcClient(JsonRpcClient.EndpointFor(host, port), _handlers(host, port));
        try
        {
            var result = await XenApiSession.LoginAsync(rpc, policy, credentials, cancellationToken);
            if (result.Session is null)
            {
                rpc.Dispose();
            }

            return result;
        }
        catch
        {
            rpc.Dispose();
            throw;
        }
    }
}

internal static partial class XenApiLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Xen target {Target} is a pool member; following its master {Master}")]
    public static partial void FollowingMaster(ILogger logger, string target, string master);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Deleting Xen VM {Vm}: disk {Vdi} was left: {Reason}")]
    public static partial void DiskLeft(ILogger logger, string vm, string vdi, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "An idempotency claim in the Xen {Holder}'s other_config was left until its lease ends: {Reason}")]
    public static partial void ClaimLeft(ILogger logger, string holder, string reason);
}
