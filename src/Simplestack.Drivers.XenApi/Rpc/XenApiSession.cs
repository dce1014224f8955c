using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Simplestack.Core;

namespace Simplestack.Drivers.XenApi.Rpc;

/// <summary>
/// One XenAPI session of one connection: logged in with originator <c>simplestack</c>, passed as
/// the first parameter of every call, made again once when the pool says <c>SESSION_INVALID</c>
/// (the call is then retried once), and logged out when the connection closes. Every call goes
/// through the connection's <see cref="HypervisorCallPolicy"/> and leaves it as a domain exception,
/// except the inventory's long wait on event.from (<see cref="WaitingCallAsync{T}"/>), which would hold a slot.
/// </summary>
public sealed class XenApiSession : IAsyncDisposable
{
    public const string Originator = "simplestack";
    public const string ApiVersion = "1.1";
    private const string Hypervisor = "xen"; // the metrics' hypervisor tag, as the call policy's

    private readonly JsonRpcClient _rpc;
    private readonly HypervisorCallPolicy _policy;
    private readonly HypervisorCredentials _credentials;
    private readonly SemaphoreSlim _relogin = new(1, 1);
    private string _session;
    private int _logins;
    private long _completedWrites;

    private XenApiSession(JsonRpcClient rpc, HypervisorCallPolicy policy, HypervisorCredentials credentials, string session)
    {
        _rpc = rpc;
        _policy = policy;
        _credentials = credentials;
        _session = session;
        _logins = 1;
    }

    /// <summary>How many times this session logged in (1, plus one per re-login after SESSION_INVALID).</summary>
    public int Logins => Volatile.Read(ref _logins);

    /// <summary>Where the calls go (the master, after a HOST_IS_SLAVE redirect).</summary>
    public Uri Endpoint => _rpc.Endpoint;

    /// <summary>
    /// Logs in. A <c>HOST_IS_SLAVE</c> answer is returned as the master's address, for the caller
    /// to open a client there and log in again (once). Owns <paramref name="rpc"/> on success.
    /// </summary>
    public static async Task<(XenApiSession? Session, string? Master)> LoginAsync(
        JsonRpcClient rpc, HypervisorCallPolicy policy, HypervisorCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(policy);
        try
        {
            var session = await LoginCallAsync(rpc, policy, credentials, cancellationToken);
            return (new XenApiSession(rpc, policy, credentials, session), null);
        }
        catch (SimplestackException error) when (XenApiErrors.FailureOf(error) is { Code: XenApiErrors.HostIsSlave } slave)
        {
            return (null, slave.Parameter(0));
        }
    }

    private static async Task<string> LoginCallAsync(JsonRpcClient rpc, HypervisorCallPolicy policy, HypervisorCredentials credentials, CancellationToken cancellationToken)
    {
        Task<string>? login = null;
        try
        {
            return await policy.RunAsync(
                () => Translated(login = rpc.CallAsync("session.login_with_password", XenApiJson.Default.String,
                    [credentials.User, credentials.Password, ApiVersion, Originator], cancellationToken)),
                "session.login_with_password",
                cancellationToken);
        }
        catch (Exception) when (login is not null)
        {
            // A login that answers after the caller gave up (timeout, cancel) still made a session: log it out.
            _ = login.ContinueWith(
                made => _ = LogoutQuietlyAsync(rpc, made.Result),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>
    /// Calls that may have changed the pool, ended (answered or not) so far on this session. The
    /// guest inventory compares it with what it has caught up to, so the gateway reads its own writes.
    /// </summary>
    public long CompletedWrites => Interlocked.Read(ref _completedWrites);

    /// <summary>Calls <paramref name="method"/> with the session first, then <paramref name="arguments"/>.</summary>
    public async Task<T> CallAsync<T>(string method, JsonTypeInfo<T> resultType, CancellationToken cancellationToken, params JsonNode?[] arguments)
    {
        var session = Volatile.Read(ref _session);
        try
        {
            return await CallWithAsync(session, method, resultType, arguments, cancellationToken);
        }
        catch (SimplestackException error) when (XenApiErrors.FailureOf(error) is { Code: XenApiErrors.SessionInvalid })
        {
            // The pool dropped the session (restart, expiry, too many sessions): log in again once, retry once.
            session = await ReloginAsync(session, cancellationToken);
            return await CallWithAsync(session, method, resultType, arguments, cancellationToken);
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
    /// A call that waits on the pool by design (<c>event.from</c> with a timeout): outside the
    /// call policy, so its wait holds none of the slots requests need, bounded by
    /// <paramref name="limit"/> instead, measured like the others, made again once after SESSION_INVALID.
    /// </summary>
    public async Task<T> WaitingCallAsync<T>(string method, JsonTypeInfo<T> resultType, TimeSpan limit, CancellationToken cancellationToken, params JsonNode?[] arguments)
    {
        var session = Volatile.Read(ref _session);
        try
        {
            return await WaitingCallWithAsync(session, method, resultType, limit, arguments, cancellationToken);
        }
        catch (SimplestackException error) when (XenApiErrors.FailureOf(error) is { Code: XenApiErrors.SessionInvalid })
        {
            session = await ReloginAsync(session, cancellationToken);
            return await WaitingCallWithAsync(session, method, resultType, limit, arguments, cancellationToken);
        }
    }

    private async Task<T> WaitingCallWithAsync<T>(string session, string method, JsonTypeInfo<T> resultType, TimeSpan limit, JsonNode?[] arguments, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            var result = await Translated(_rpc.CallAsync(method, resultType, [session, .. arguments], deadline.Token));
            HypervisorMetrics.Record(Hypervisor, method, started, null);
            return result;
        }
        catch (OperationCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            HypervisorMetrics.Record(Hypervisor, method, started, nameof(ErrorKind.HypervisorTimeout));
            throw new HypervisorTimeoutException($"The xen hypervisor did not answer {method} within {limit.TotalSeconds:0} s.", error);
        }
        catch (SimplestackException error)
        {
            HypervisorMetrics.Record(Hypervisor, method, started, error.Kind.ToString());
            throw;
        }
    }

    /// <summary>
    /// Reads change nothing: field getters, lookups, bulk reads and events. Tasks are polled to see
    /// a write end (an Async call's, an HTTP import's), so task calls count as writes.
    /// </summary>
    private static bool IsRead(string method)
        => method.StartsWith("event.", StringComparison.Ordinal)
           || (!method.StartsWith("task.", StringComparison.Ordinal) && method.Contains(".get_", StringComparison.Ordinal) && !method.StartsWith("Async.", StringComparison.Ordinal));

    /// <summary>A call whose answer is void (<c>""</c>).</summary>
    public Task CallAsync(string method, CancellationToken cancellationToken, params JsonNode?[] arguments)
        => CallAsync(method, XenApiJson.Default.JsonElement, cancellationToken, arguments);

    private Task<T> CallWithAsync<T>(string session, string method, JsonTypeInfo<T> resultType, JsonNode?[] arguments, CancellationToken cancellationToken)
        => _policy.RunAsync(() => Translated(_rpc.CallAsync(method, resultType, [session, .. arguments], cancellationToken)), method, cancellationToken);

    private async Task<string> ReloginAsync(string failed, CancellationToken cancellationToken)
    {
        await _relogin.WaitAsync(cancellationToken);
        try
        {
            // Another call may have logged in again already.
            if (Volatile.Read(ref _session) != failed)
            {
                return _session;
            }

            var session = await LoginCallAsync(_rpc, _policy, _credentials, cancellationToken);
            Volatile.Write(ref _session, session);
            Interlocked.Increment(ref _logins);
            return session;
        }
        finally
        {
            _relogin.Release();
        }
    }

    /// <summary>
    /// Sends a request to one of the pool's HTTP handlers (<c>/export</c>, <c>/import</c>) with this
    /// session in its query, as xapi's handlers take it. Not through the call policy: a transfer
    /// lasts as long as its data, and must neither hold a call slot nor meet the call timeout.
    /// The request's URL carries the session: it is never logged or put in a message.
    /// </summary>
    internal Task<HttpResponseMessage> SendToHandlerAsync(HttpMethod method, string path, IEnumerable<KeyValuePair<string, string>> query, HttpContent? content, CancellationToken cancellationToken)
    {
        var parameters = query.Prepend(new("session_id", Volatile.Read(ref _session)))
            .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value));
        var target = new UriBuilder(_rpc.Endpoint) { Path = path, Query = string.Join("&", parameters) }.Uri;
        var request = new HttpRequestMessage(method, target) { Content = content, Version = System.Net.HttpVersion.Version11 };
        return _rpc.SendAsync(request, cancellationToken);
    }

    /// <summary>The session's ref, for a console CONNECT's query: a secret, never logged or put in a message.</summary>
    internal string CurrentSessionRef => Volatile.Read(ref _session);

    /// <summary>Turns a XenAPI error answer into the domain's exception before it reaches the policy.</summary>
    private static async Task<T> Translated<T>(Task<T> call)
    {
        try
        {
            return await call;
        }
        catch (XenApiFailure failure)
        {
            throw XenApiErrors.ToDomain(failure);
        }
    }

    /// <summary>Logs out, without a policy slot (the connection is closing) and without failing.</summary>
    public async ValueTask DisposeAsync()
    {
        await LogoutQuietlyAsync(_rpc, Volatile.Read(ref _session));
        _rpc.Dispose();
        _relogin.Dispose();
    }

    internal static async Task LogoutQuietlyAsync(JsonRpcClient rpc, string session)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await rpc.CallAsync("session.logout", XenApiJson.Default.JsonElement, [session], limit.Token);
        }
        catch (Exception error) when (error is XenApiFailure or SimplestackException or OperationCanceledException or ObjectDisposedException)
        {
            // Nothing more to do: the pool expires sessions it no longer hears from.
        }
    }
}
