using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// Runs blocking libvirt calls off the request threads (on <see cref="BlockingCallThreads"/>, not the
/// shared thread pool), at most <see cref="MaxConcurrency"/> at a
/// time per connection, so a slow hypervisor cannot starve the server. libvirt errors are
/// thread-local: the binding reads them in the same synchronous block as the failing call, and
/// this class only translates the resulting <see cref="LibvirtException"/>. Every call is measured
/// on <see cref="HypervisorMetrics"/> (duration and failures, by operation; never arguments).
/// </summary>
internal sealed class LibvirtCalls(string hypervisor, int maxConcurrency, TimeSpan timeout)
{
    public const int DefaultMaxConcurrency = 16;

    private readonly SemaphoreSlim _slots = new(maxConcurrency, maxConcurrency);
    private readonly BlockingCallThreads _threads = new($"libvirt {hypervisor}");

    public int MaxConcurrency { get; } = maxConcurrency;

    /// <summary>Once set (after the connection opened), a failure on a connection that is no longer alive answers 503.</summary>
    public Func<bool>? IsAlive { get; set; }

    public Task RunAsync(Action work, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
        => RunAsync<object?>(() => { work(); return null; }, cancellationToken, operation);

    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        var started = Stopwatch.GetTimestamp();

        // The timeout covers the wait for a slot too: when the hypervisor hangs, every slot is held
        // by a call that does not return, and requests queued behind them must still answer 504.
        if (!await _slots.WaitAsync(timeout, cancellationToken))
        {
            HypervisorMetrics.Record(hypervisor, operation, started, nameof(ErrorKind.HypervisorTimeout));
            throw new HypervisorTimeoutException(
                $"The {hypervisor} hypervisor did not answer within {timeout.TotalSeconds:0} s ({MaxConcurrency} earlier calls are still waiting for it).");
        }

        var call = _threads.Run(() =>
        {
            try
            {
                return work();
            }
            catch (LibvirtException error)
            {
                throw Translate(error);
            }
        });

        // The slot is released when the native call really ends, not when we stop waiting for it.
        _ = call.ContinueWith(_ => _slots.Release(), TaskScheduler.Default);
        try
        {
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            var result = await call.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, cancellationToken);
            HypervisorMetrics.Record(hypervisor, operation, started, null);
            return result;
        }
        catch (TimeoutException error)
        {
            HypervisorMetrics.Record(hypervisor, operation, started, nameof(ErrorKind.HypervisorTimeout));
            throw new HypervisorTimeoutException($"The {hypervisor} hypervisor did not answer within {timeout.TotalSeconds:0} s.", error);
        }
        catch (SimplestackException error)
        {
            HypervisorMetrics.Record(hypervisor, operation, started, error.Kind.ToString());
            throw;
        }
        catch (OperationCanceledException)
        {
            HypervisorMetrics.Record(hypervisor, operation, started, "Cancelled");
            throw;
        }
    }

    private SimplestackException Translate(LibvirtException error)
    {
        var translated = LibvirtErrors.Translate(error, hypervisor);
        if (translated.Kind is ErrorKind.HypervisorError or ErrorKind.Conflict && IsAlive is { } alive && !SafeIsAlive(alive))
        {
            // The daemon went away under the call (EOF, reset, "client socket is closed"): that is
            // an unreachable hypervisor, not an answer from it.
            return new HypervisorUnavailableException($"The {hypervisor} hypervisor closed the connection: {error.Message}", error);
        }

        return translated;
    }

    private static bool SafeIsAlive(Func<bool> alive)
    {
        try
        {
            return alive();
        }
        catch
        {
            return false;
        }
    }
}

/// <summary>
/// Hypervisor call metrics on the .NET meter <c>Simplestack.Drivers.Libvirt</c>:
/// <c>simplestack.hypervisor.call.duration</c> (seconds, tags hypervisor, operation, outcome) and
/// <c>simplestack.hypervisor.call.errors</c> (tags hypervisor, operation, kind). The server
/// exports them on <c>/metrics</c>.
/// </summary>
public static class HypervisorMetrics
{
    public const string MeterName = "Simplestack.Drivers.Libvirt";
    public const string DurationName = "simplestack.hypervisor.call.duration";
    public const string ErrorsName = "simplestack.hypervisor.call.errors";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(DurationName, "s", "Duration of one hypervisor call");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>(ErrorsName, description: "Hypervisor calls that failed, by error kind");

    internal static void Record(string hypervisor, string operation, long started, string? errorKind)
    {
        var op = operation.EndsWith("Async", StringComparison.Ordinal) ? operation[..^5] : operation;
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Duration.Record(
            elapsed,
            new KeyValuePair<string, object?>("hypervisor", hypervisor),
            new KeyValuePair<string, object?>("operation", op),
            new KeyValuePair<string, object?>("outcome", errorKind is null ? "ok" : "error"));
        if (errorKind is not null)
        {
            Errors.Add(
                1,
                new KeyValuePair<string, object?>("hypervisor", hypervisor),
                new KeyValuePair<string, object?>("operation", op),
                new KeyValuePair<string, object?>("kind", errorKind));
        }
    }
}
