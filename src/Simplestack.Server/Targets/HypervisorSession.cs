using System.Text;
using Microsoft.AspNetCore.Http;
using Simplestack.Core;
using Simplestack.Server.Connections;

namespace Simplestack.Server.Targets;

/// <summary>
/// A handler's access to its request's hypervisor: made by <see cref="TargetResolutionMiddleware"/>
/// once the target is checked, kept as a request feature, bound into handlers from there. The pooled
/// connection is acquired on first use and returned to the pool when the response has been sent.
/// </summary>
public sealed class HypervisorSession
{
    private readonly HttpContext _context;
    private readonly ConnectionPool _pool;
    private ConnectionLease? _lease;
    private CancellationToken? _workToken;

    internal HypervisorSession(HttpContext context, ResolvedTarget target, ConnectionPool pool)
    {
        _context = context;
        _pool = pool;
        Target = target;
    }

    public ResolvedTarget Target { get; }

    public HttpContext HttpContext => _context;

    /// <summary>
    /// Cancelled when the work should stop: the client went away, or, for work detached from its
    /// client (<see cref="DetachFromClient"/>), only when the gateway stops.
    /// </summary>
    public CancellationToken Aborted => _workToken ?? _context.RequestAborted;

    /// <summary>
    /// From now on, <see cref="Aborted"/> no longer follows the client: long work a client follows
    /// as a stream goes on if the client leaves (API.md §9), until <paramref name="stopping"/>.
    /// The connection must then be held already, as it is held until the response ends.
    /// </summary>
    internal void DetachFromClient(CancellationToken stopping) => _workToken = stopping;

    public static ValueTask<HypervisorSession?> BindAsync(HttpContext context)
        => ValueTask.FromResult<HypervisorSession?>(context.Features.Get<HypervisorSession>()
            ?? throw new InvalidOperationException("The request has no hypervisor session: its route lacks TargetRoute metadata."));

    /// <summary>The pooled connection for this request's target.</summary>
    public ValueTask<IHypervisorConnection> ConnectAsync()
    {
        if (_lease is not null)
        {
            return new(_lease.Connection);
        }

        if (_pool.TryAcquireOpen(Target.Key) is { } open)
        {
            return new(Hold(open));
        }

        return ConnectSlowAsync();
    }

    /// <summary>The connection as capability <typeparamref name="T"/>, or 501 naming what the driver lacks.</summary>
    public async ValueTask<T> RequireAsync<T>()
        where T : class
        => (await ConnectAsync()).Require<T>();

    private async ValueTask<IHypervisorConnection> ConnectSlowAsync()
        => Hold(await _pool.AcquireAsync(Target.Key, Target.Driver, Target.Target, Target.Credentials, _context.RequestAborted));

    /// <summary>Keeps the lease for the rest of the request; it goes back to the pool when the response has been sent.</summary>
    private IHypervisorConnection Hold(ConnectionLease lease)
    {
        _lease = lease;
        _context.Response.RegisterForDisposeAsync(lease);
        return lease.Connection;
    }

    /// <summary>
    /// A <c>Location</c> path under this request's <c>/{hypervisor}/{host}</c>, as the URL wrote them
    /// (a path, never an absolute URL: the original Ruby client prefixes its own base URL).
    /// </summary>
    public string PathFor(params string[] segments)
    {
        var path = new StringBuilder();
        path.Append('/').Append(EscapeSegment(Target.UrlHypervisor)).Append('/').Append(EscapeSegment(Target.UrlHost));
        foreach (var segment in segments)
        {
            path.Append('/').Append(EscapeSegment(segment));
        }

        return path.ToString();
    }

    /// <summary>Escapes a path segment, keeping the characters a path may carry as they are (<c>:</c> of MACs, <c>[]</c> of IPv6 hosts).</summary>
    public static string EscapeSegment(string segment)
    {
        var builder = new StringBuilder(segment.Length);
        foreach (var b in Encoding.UTF8.GetBytes(segment))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || "-._~!$&'()*+,;=:@[]".Contains(c, StringComparison.Ordinal))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
