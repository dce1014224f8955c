using System.Xml;
using System.Xml.Linq;
using Simplestack.Core;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// One vSphere session of one connection: the service content read once, <c>Login</c> once with
/// the cookie kept, made again once when a call answers <c>NotAuthenticated</c> (the call is then
/// retried once), and <c>Logout</c> when the connection closes (quietly, within 10 s). Every call
/// goes through the connection's <see cref="HypervisorCallPolicy"/> and leaves it as a domain exception.
/// </summary>
public sealed class VimSession : IAsyncDisposable
{
    private static readonly TimeSpan LogoutLimit = TimeSpan.FromSeconds(10);

    private readonly VimSoapClient _soap;
    private readonly HypervisorCallPolicy _policy;
    private readonly HypervisorCredentials _credentials;
    private readonly SemaphoreSlim _relogin = new(1, 1);
    private int _generation;
    private int _logins;

    private VimSession(VimSoapClient soap, HypervisorCallPolicy policy, HypervisorCredentials credentials, ServiceContent content)
    {
        _soap = soap;
        _policy = policy;
        _credentials = credentials;
        Content = content;
    }

    public ServiceContent Content { get; }

    /// <summary>How many times this session logged in (1, plus one per re-login after NotAuthenticated).</summary>
    public int Logins => Volatile.Read(ref _logins);

    public Uri Endpoint => _soap.Endpoint;

    /// <summary>The HTTP client of this session, for file transfers beside SOAP (same trust, same cookie).</summary>
    internal VimSoapClient Files => _soap;

    /// <summary>Reads the service content and logs in. Owns <paramref name="soap"/> on success.</summary>
    public static async Task<VimSession> LoginAsync(VimSoapClient soap, HypervisorCallPolicy policy, HypervisorCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(soap);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(credentials);
        if (!IsXmlText(credentials.User) || !IsXmlText(credentials.Password))
        {
            // Nothing is sent: a SOAP Login cannot carry it, so no vSphere account can have it.
            throw new UnauthorizedException("The user name or password holds a character a vSphere login cannot carry (a control character or a lone surrogate).");
        }

        var answer = await RunAsync(soap, policy, "RetrieveServiceContent", [Ref("_this", ServiceInstance)], cancellationToken);
        var content = ServiceContent.Read(answer.Child("returnval") ?? throw new HypervisorErrorException("The vSphere server answered RetrieveServiceContent without content."));
        if (content.ApiVersion.Length > 0)
        {
            soap.ApiVersion = content.ApiVersion;
        }

        var session = new VimSession(soap, policy, credentials, content);
        try
        {
            await session.LoginCallAsync(cancellationToken);
            return session;
        }
        catch
        {
            await session.LogoutQuietlyAsync(); // A login that answered after the caller gave up still made a session.
            session._relogin.Dispose();
            throw;
        }
    }

    private static bool IsXmlText(string value)
    {
        try
        {
            XmlConvert.VerifyXmlChars(value);
            return true;
        }
        catch (System.Xml.XmlException)
        {
            return false;
        }
    }

    /// <summary>Calls <paramref name="method"/> on <paramref name="target"/> with <paramref name="parameters"/> after <c>_this</c>.</summary>
    public async Task<XElement> CallAsync(string method, MoRef target, CancellationToken cancellationToken, params XElement[] parameters)
    {
        XElement[] all = [Ref("_this", target), .. parameters];
        var generation = Volatile.Read(ref _generation);
        try
        {
            return await RunAsync(_soap, _policy, method, all, cancellationToken);
        }
        catch (SimplestackException error) when (VimFaults.FaultOf(error) is { FaultType: VimFaults.NotAuthenticated })
        {
            // The server dropped the session (expiry, restart, terminated): log in again once, retry once.
            await ReloginAsync(generation, cancellationToken);
            return await RunAsync(_soap, _policy, method, all, cancellationToken);
        }
    }

    private async Task LoginCallAsync(CancellationToken cancellationToken)
    {
        _soap.ForgetSession();
        await RunAsync(_soap, _policy, "Login",
            [Ref("_this", Content.SessionManager), E("userName", _credentials.User), E("password", _credentials.Password)],
            cancellationToken);
        Interlocked.Increment(ref _logins);
    }

    private async Task ReloginAsync(int failedGeneration, CancellationToken cancellationToken)
    {
        await _relogin.WaitAsync(cancellationToken);
        try
        {
            // Another call may have logged in again already.
            if (Volatile.Read(ref _generation) == failedGeneration)
            {
                await LoginCallAsync(cancellationToken);
                Interlocked.Increment(ref _generation);
            }
        }
        finally
        {
            _relogin.Release();
        }
    }

    private static Task<XElement> RunAsync(VimSoapClient soap, HypervisorCallPolicy policy, string method, XElement[] parameters, CancellationToken cancellationToken)
        => policy.RunAsync(() => Translated(soap.CallAsync(method, parameters, cancellationToken)), method, cancellationToken);

    /// <summary>Turns a vSphere fault into the domain's exception before it reaches the policy.</summary>
    private static async Task<XElement> Translated(Task<XElement> call)
    {
        try
        {
            return await call;
        }
        catch (VimFault fault)
        {
            throw VimFaults.ToDomain(fault);
        }
    }

    /// <summary>Logs out, without a policy slot (the connection is closing) and without failing.</summary>
    public async ValueTask DisposeAsync()
    {
        await LogoutQuietlyAsync();
        _soap.Dispose();
        _relogin.Dispose();
    }

    private async Task LogoutQuietlyAsync()
    {
        if (!_soap.HasSession)
        {
            return;
        }

        try
        {
            using var limit = new CancellationTokenSource(LogoutLimit);
            await _soap.CallAsync("Logout", [Ref("_this", Content.SessionManager)], limit.Token);
        }
        catch (Exception error) when (error is VimFault or SimplestackException or OperationCanceledException or ObjectDisposedException)
        {
            // Nothing more to do: the server expires sessions it no longer hears from.
        }
        finally
        {
            _soap.ForgetSession();
        }
    }
}
