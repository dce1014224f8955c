using System.Diagnostics;

namespace Simplestack.Core;

/// <summary>
/// The rules every call a driver makes to its hypervisor follows, whatever the protocol:
/// at most <see cref="MaxConcurrency"/> calls at once per connection, so a slow hypervisor cannot
/// starve the gateway; an answer within <see cref="Timeout"/> (the wait for a free slot included)
/// or 504; a failure on a connection that has died answers 503, not 502; every call measured on
/// <see cref="HypervisorMetrics"/>. A driver wraps its calls in <see cref="RunAsync{T}"/>: libvirt
/// hands it blocking calls started on threads of their own, an HTTP driver its requests.
/// </summary>
public sealed class HypervisorCallPolicy
{
    public const int DefaultMaxConcurrency = 16;

    private readonly SemaphoreSlim _slots;
    private readonly string _hypervisor;

    public HypervisorCallPolicy(string hypervisor, int maxConcurrency, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _hypervisor = hypervisor;
        MaxConcurrency = maxConcurrency;
        Timeout = timeout;
        _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
    }

    public int MaxConcurrency { get; }

    public TimeSpan Timeout { get; }

    /// <summary>
    /// Once set (after the connection opened): whether the connection still lives. A
    /// <see cref="ErrorKind.HypervisorError"/> or <see cref="ErrorKind.Conflict"/> from a call on a
    /// connection that no longer does is the hypervisor going away under the call (EOF, reset),
    /// not an answer from it, and becomes <see cref="HypervisorUnavailableException"/>.
    /// </summary>
    public Func<bool>? IsAlive { get; set; }

    /// <summary>
    /// Waits for a slot, then calls <paramref name="start"/>, which begins the call and returns its
    /// task; the slot is released when that task ends, not when the caller stops waiting for it
    /// (a call past its timeout still holds the hypervisor). Failures must already be translated
    /// into <see cref="SimplestackException"/>s by the driver.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> start, string operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var started = Stopwatch.GetTimestamp();

        // The timeout covers the wait for a slot too: when the hypervisor hangs, every slot is held
        // by a call that does not return, and requests queued behind them must still answer 504.
        if (!await _slots.WaitAsync(Timeout, cancellationToken))
        {
            HypervisorMetrics.Record(_hypervisor, operation, started, nameof(ErrorKind.HypervisorTimeout));
            throw new HypervisorTimeoutException(
                $"The {_hypervisor} hypervisor did not answer within {Timeout.TotalSeconds:0} s ({MaxConcurrency} earlier calls are still waiting for it).");
        }

        Task<T> call;
        try
        {
            call = start();
        }
        catch (Exception error)
        {
            call = Task.FromException<T>(error); // Failed before it began: measured and translated like any failure.
        }

        _ = call.ContinueWith(static (_, slots) => ((SemaphoreSlim)slots!).Release(), _slots, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            var remaining = Timeout - Stopwatch.GetElapsedTime(started);
            var result = await call.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, cancellationToken);
            HypervisorMetrics.Record(_hypervisor, operation, started, null);
            return result;
        }
        catch (TimeoutException error)
        {
            HypervisorMetrics.Record(_hypervisor, operation, started, nameof(ErrorKind.HypervisorTimeout));
            throw new HypervisorTimeoutException($"The {_hypervisor} hypervisor did not answer within {Timeout.TotalSeconds:0} s.", error);
        }
        catch (SimplestackException error)
        {
            var answered = OnDeadConnection(error);
            HypervisorMetrics.Record(_hypervisor, operation, started, answered.Kind.ToString());
            if (ReferenceEquals(answered, error))
            {
                throw;
            }

            throw answered;
        }
        catch (OperationCanceledException)
        {
            HypervisorMetrics.Record(_hypervisor, operation, started, "Cancelled");
            throw;
        }
    }

    private SimplestackException OnDeadConnection(SimplestackException error)
        => error.Kind is ErrorKind.HypervisorError or ErrorKind.Conflict && IsAlive is { } alive && !SafeIsAlive(alive)
            ? new HypervisorUnavailableException($"The {_hypervisor} hypervisor closed the connection: {error.Message}", error)
            : error;

    private static bool SafeIsAlive(Func<bool> alive)
    {
        try
        {
            return alive();
        }
        catch (Exception)
        {
            return false; // A liveness check that itself fails means the connection is gone.
        }
    }
}
