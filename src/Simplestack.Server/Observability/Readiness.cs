using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Connections;
using Simplestack.Server.Logging;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Observability;

/// <summary>What <c>/readyz</c> probes (section <c>Simplestack:Readiness</c>).</summary>
public sealed class ReadinessOptions
{
    public const string Section = "Simplestack:Readiness";

    /// <summary>
    /// Targets (<c>hypervisor/host</c>, no credentials) whose connection is opened (through the pool)
    /// and asked for its host list. Empty or absent: <c>test/default</c>.
    /// </summary>
    public IList<string> Targets { get; } = [];

    /// <summary>How long one probe may take before it counts as failed.</summary>
    public double TimeoutSeconds { get; set; } = 5;
}

/// <summary>The words of the <c>/readyz</c> answer's <c>status</c> fields (the OpenAPI document lists them).</summary>
public static class ReadinessWords
{
    public const string Ready = "ready";
    public const string NotReady = "not_ready";
    public const string Ok = "ok";
    public const string Registered = "registered";
    public const string Unavailable = "unavailable";
    public const string NotImplemented = "not_implemented";
    public const string Misconfigured = "misconfigured";

    /// <summary>A report's status.</summary>
    public static IReadOnlyList<string> Report { get; } = [Ready, NotReady];

    /// <summary>A driver's status.</summary>
    public static IReadOnlyList<string> Driver { get; } = [Ok, Registered, Unavailable, NotImplemented, Misconfigured];

    /// <summary>A probed target's status: ok, misconfigured, or the error word of its failure.</summary>
    public static IReadOnlyList<string> Target { get; } = [Ok, Misconfigured, .. Enum.GetNames<ErrorKind>()];
}

/// <summary>One driver in the <c>/readyz</c> answer.</summary>
public sealed record DriverReadiness(string Name, string Status, IReadOnlyList<TargetReadiness> Targets);

/// <summary>One probed target: <c>ok</c>, or the error word (<c>HypervisorUnavailable</c>, <c>HypervisorTimeout</c>, ...).</summary>
public sealed record TargetReadiness(string Target, string Status, double LatencyMs, string? Message);

/// <summary>The <c>/readyz</c> answer: <c>ready</c> when every probed target answered.</summary>
public sealed record ReadinessReport(string Status, IReadOnlyList<DriverReadiness> Drivers, PoolReadiness Pool);

public sealed record PoolReadiness(int Connections, int Leases, int Capacity);

/// <summary>
/// Each configured driver's status: libvirt drivers are <c>ok</c> when their probed targets answer
/// (or <c>registered</c> when none is probed), drivers not built yet say so. Messages are the
/// gateway's own error messages, which never carry credentials.
/// </summary>
public sealed class Readiness(DriverRegistry drivers, ConnectionPool pool, IOptions<ReadinessOptions> options, ILogger<Readiness> logger)
{
    public static readonly IReadOnlyList<string> DefaultTargets = ["test/default"];

    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken)
    {
        IEnumerable<string> configured = options.Value.Targets.Count > 0 ? options.Value.Targets : DefaultTargets;
        var probes = configured.Select(t => (Spec: t, Task: ProbeAsync(t, cancellationToken))).ToList();
        await Task.WhenAll(probes.Select(p => p.Task));
        var results = probes.Select(p => (p.Spec, Result: p.Task.Result)).ToList();

        List<DriverReadiness> report = [];
        foreach (var name in drivers.Names)
        {
            drivers.TryGet(name, out _, out var driver);
            var mine = results.Where(r => r.Result.Driver == name).Select(r => r.Result.Readiness).ToList();
            string status;
            if (driver is PlaceholderDriver)
            {
                status = ReadinessWords.NotImplemented;
            }
            else if (mine.Count == 0)
            {
                status = ReadinessWords.Registered;
            }
            else
            {
                status = mine.All(t => t.Status == ReadinessWords.Ok) ? ReadinessWords.Ok : ReadinessWords.Unavailable;
            }

            report.Add(new DriverReadiness(name, status, mine));
        }

        var unknown = results.Where(r => r.Result.Driver is null).Select(r => r.Result.Readiness).ToList();
        if (unknown.Count > 0)
        {
            report.Add(new DriverReadiness("unknown", ReadinessWords.Misconfigured, unknown));
        }

        var ready = results.All(r => r.Result.Readiness.Status == ReadinessWords.Ok);
        return new ReadinessReport(ready ? ReadinessWords.Ready : ReadinessWords.NotReady, report, new PoolReadiness(pool.Count, pool.Leased, pool.Capacity));
    }

    private async Task<(string? Driver, TargetReadiness Readiness)> ProbeAsync(string spec, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!drivers.TryParseConfiguredTarget(spec, out var driver, out var target))
        {
            return (null, new TargetReadiness(spec, ReadinessWords.Misconfigured, 0, "Not a hypervisor/host this gateway serves (Simplestack:Readiness:Targets)."));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
        try
        {
            await using var lease = await pool.AcquireAsync(driver, target, null, timeout.Token);
            await lease.Connection.ListHostsAsync(timeout.Token).WaitAsync(timeout.Token);
            return (target.Hypervisor, new TargetReadiness(spec, ReadinessWords.Ok, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null));
        }
        catch (Exception e) when (e is SimplestackException or OperationCanceledException or TimeoutException)
        {
            var kind = e is SimplestackException s ? s.Kind.ToString() : nameof(ErrorKind.HypervisorTimeout);
            Log.ReadinessProbeFailed(logger, spec, kind);
            var message = e is SimplestackException ? e.Message : $"No answer within {options.Value.TimeoutSeconds:0.#} s.";
            return (target.Hypervisor, new TargetReadiness(spec, kind, Stopwatch.GetElapsedTime(started).TotalMilliseconds, message));
        }
    }
}
