using System.Xml;
using System.Xml.Linq;
using Simplestack.Core;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// One vSphere session of one connection: the service content read once, <c>Login</c> once with
/// the cookie kept, made again once when a call answers <c>NotAuthenticated</c> (the call is then
/// retried once), and <c>Logout</c> when the connection closes (quietly, within 10 s). Every call
/// goes through the connection's <see cref="HypervisorCallPolicy"/> and leaves it as a domain exception,
/// except the guest inventory's long <c>WaitForUpdatesEx</c> (<see cref="CallOutsidePolicyAsync"/>), which would hold a slot.
/// </summary>
public sealed class VimSession : IAsyncDisposable
{
    private static readonly TimeSpan LogoutLimit = TimeSpan.FromSeconds(10);

    private readonly VimSoapClient _soap;
    private readonly HypervisorCallPolicy _policy;
    private readonly HypervisorCredentials _credentials;
    private readonly SemaphoreSlim _relogin = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private int _generation;
    private int _logins;
    private long _completedWrites;

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

    /// <summary>
    /// Calls that may have changed the server, ended (answered or not) so far, and tasks seen to
    /// end (<see cref="NoteWrite"/>). The guest inventory compares it with what it has caught up
    /// to, so the gateway reads its own writes.
    /// </summary>
    public long CompletedWrites => Interlocked.Read(ref _completedWrites);

    /// <summary>Counts a write that ended outside a call of its own (a task seen to end).</summary>
    public void NoteWrite() => Interlocked.Increment(ref _completedWrites);

    /// <summary>How many times <paramref name="method"/> was called on this session (for tests).</summary>
    internal int Calls(string method) => _calls.GetValueOrDefault(method);

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
        _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
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
        finally
        {
            if (!IsRead(method))
            {
                Interlocked.Increment(ref _completedWrites);
            }
        }
    }

    /// <summary>
    /// A call outside the call policy, bounded by <paramref name="limit"/> instead: the inventory's
    /// <c>WaitForUpdatesEx</c>, which waits on the server by design and would hold a slot requests
    /// need, and its clean-up while the connection closes. Not made again after NotAuthenticated:
    /// what it names (a session's property collector) went with the session.
    /// </summary>
    public async Task<XElement> CallOutsidePolicyAsync(string method, MoRef target, TimeSpan limit, CancellationToken cancellationToken, params XElement[] parameters)
    {
        _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            var answer = await Translated(_soap.CallAsync(method, [Ref("_this", target), .. parameters], deadline.Token));
            HypervisorMetrics.Record(VSphereDriver.DriverName, method, started, null);
            return answer;
        }
        catch (OperationCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            HypervisorMetrics.Record(VSphereDriver.DriverName, method, started, nameof(ErrorKind.HypervisorTimeout));
            throw new HypervisorTimeoutException($"The vSphere server did not answer {method} within {limit.TotalSeconds:0} s.", error);
        }
        catch (SimplestackException error)
        {
            HypervisorMetrics.Record(VSphereDriver.DriverName, method, started, error.Kind.ToString());
            throw;
        }
    }

    /// <summary>Methods that change nothing: reads, views, property collectors and filters, sessions.</summary>
    private static bool IsRead(string method)
        => method.StartsWith("Retrieve", StringComparison.Ordinal) || method.StartsWith("ContinueRetrieve", StringComparison.Ordinal)
           || method.StartsWith("Find", StringComparison.Ordinal) || method.StartsWith("Query", StringComparison.Ordinal)
           || method is "WaitForUpdatesEx" or "CancelWaitForUpdates" or "CreateContainerView" or "DestroyView" or "CreatePropertyCollector"
               or "DestroyPropertyCollector" or "CreateFilter" or "DestroyPropertyFilter" or "Login" or "Logout" or "CurrentTime";

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
