using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;
using Simplestack.Core;
using Simplestack.Server.Connections;

namespace Simplestack.Server.Observability;

/// <summary>
/// The gateway's Prometheus metrics, in a registry of its own (one per app, so test hosts do not
/// share counters): HTTP requests and their latency by route pattern (never the raw path, which
/// carries caller-chosen names), hypervisor call latency and errors (bridged from the drivers'
/// .NET meter), connection pool sizes, and the process (.NET runtime, RSS, open handles).
/// No label ever carries a header, a token, a key or a body.
/// </summary>
public sealed class GatewayMetrics : IDisposable
{
    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Counter _requests;
    private readonly Histogram _requestDuration;
    private readonly Histogram _hypervisorDuration;
    private readonly Counter _hypervisorErrors;
    private readonly MeterListener _listener = new();

    // The labelled children per (method, route, hypervisor, status), looked up once: WithLabels on
    // every request cost more than the rest of the metrics work. Every part of the key comes from a
    // finite set (known methods, route patterns, driver names, status codes); the bound is a backstop.
    private readonly ConcurrentDictionary<(string Method, string Route, string Hypervisor, int Status), (Counter.Child Requests, Histogram.Child Duration)> _requestSeries = new();
    private const int MaxCachedSeries = 4096;

    public GatewayMetrics(ConnectionPool pool, AccessLog accessLog)
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        // Exemplars (trace ids next to samples) would look up the current Activity on every
        // observation; the gateway exports none, so none is recorded.
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        _requests = factory.CreateCounter(
            "simplestack_http_requests_total", "HTTP requests answered, by method, route pattern, hypervisor and status.",
            new CounterConfiguration { LabelNames = ["method", "route", "hypervisor", "status"] });
        _requestDuration = factory.CreateHistogram(
            "simplestack_http_request_duration_seconds", "Time from request to answer, by method, route pattern and status class.",
            new HistogramConfiguration { LabelNames = ["method", "route", "status_class"], Buckets = LatencyBuckets });
        _hypervisorDuration = factory.CreateHistogram(
            "simplestack_hypervisor_call_duration_seconds", "Duration of one hypervisor call, by hypervisor, operation and outcome.",
            new HistogramConfiguration { LabelNames = ["hypervisor", "operation", "outcome"], Buckets = LatencyBuckets });
        _hypervisorErrors = factory.CreateCounter(
            "simplestack_hypervisor_call_errors_total", "Hypervisor calls that failed, by hypervisor, operation and error kind.",
            new CounterConfiguration { LabelNames = ["hypervisor", "operation", "kind"] });
        var connections = factory.CreateGauge("simplestack_connection_pool_connections", "Pooled hypervisor connections (open or opening).");
        var leased = factory.CreateGauge("simplestack_connection_pool_leases", "Requests holding a pooled connection now.");
        var capacity = factory.CreateGauge("simplestack_connection_pool_capacity", "The most connections the pool keeps.");
        var accessLogDropped = factory.CreateCounter(
            "simplestack_access_log_dropped_total", "Request log lines dropped because the log queue was full or standard output failed.");
        Registry.AddBeforeCollectCallback(() =>
        {
            accessLogDropped.IncTo(accessLog.Dropped);
            connections.Set(pool.Count);
            leased.Set(pool.Leased);
            capacity.Set(pool.Capacity);
        });
        DotNetStats.Register(Registry);

        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HypervisorMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public CollectorRegistry Registry { get; }

    /// <summary>The method as a label: the standard ones by name, anything else (a caller's own token) as <c>OTHER</c>.</summary>
    public static string MethodLabel(string method) => method switch
    {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    };

    public void RecordRequest(string method, string route, string hypervisor, int status, double seconds)
    {
        var key = (MethodLabel(method), route, hypervisor, status);
        if (!_requestSeries.TryGetValue(key, out var series))
        {
            var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            series = (_requests.WithLabels(key.Item1, route, hypervisor, code), _requestDuration.WithLabels(key.Item1, route, code[0] + "xx"));
            if (_requestSeries.Count < MaxCachedSeries)
            {
                _requestSeries.TryAdd(key, series);
            }
        }

        series.Requests.Inc();
        series.Duration.Observe(seconds);
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        where T : struct
    {
        string hypervisor = "", operation = "", outcome = "", kind = "";
        foreach (var tag in tags)
        {
            var text = tag.Value as string ?? string.Empty;
            switch (tag.Key)
            {
                case "hypervisor": hypervisor = text; break;
                case "operation": operation = text; break;
                case "outcome": outcome = text; break;
                case "kind": kind = text; break;
            }
        }

        if (instrument.Name == HypervisorMetrics.DurationName && value is double seconds)
        {
            _hypervisorDuration.WithLabels(hypervisor, operation, outcome).Observe(seconds);
        }
        else if (instrument.Name == HypervisorMetrics.ErrorsName && value is long count)
        {
            _hypervisorErrors.WithLabels(hypervisor, operation, kind).Inc(count);
        }
    }
}
