using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Simplestack.Core;

/// <summary>
/// Hypervisor call metrics of every driver on one .NET meter, <c>Simplestack.Hypervisors</c>:
/// <c>simplestack.hypervisor.call.duration</c> (seconds; tags hypervisor, operation, outcome) and
/// <c>simplestack.hypervisor.call.errors</c> (tags hypervisor, operation, kind). Tags never carry
/// arguments. The server exports them on <c>/metrics</c> by listening to the meter's name, so it
/// needs to know no driver.
/// </summary>
public static class HypervisorMetrics
{
    public const string MeterName = "Simplestack.Hypervisors";
    public const string DurationName = "simplestack.hypervisor.call.duration";
    public const string ErrorsName = "simplestack.hypervisor.call.errors";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(DurationName, "s", "Duration of one hypervisor call");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>(ErrorsName, description: "Hypervisor calls that failed, by error kind");

    /// <summary>Records one call that began at <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp); <paramref name="errorKind"/> null when it succeeded.</summary>
    public static void Record(string hypervisor, string operation, long started, string? errorKind)
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
