namespace Simplestack.XenApi.Simulator;

/// <summary>How a simulator starts. Every property has a default that tests can use as is.</summary>
public sealed record SimulatorOptions
{
    /// <summary>The HTTPS port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>
    /// The server certificate as PKCS#12 (no password); null: a new self-signed one. Given with
    /// <see cref="Port"/>, a simulator started again after another one stopped is the same peer to
    /// a client that pinned it (see <see cref="XenApiSimulator.CertificatePkcs12"/>).
    /// </summary>
    public byte[]? CertificatePkcs12 { get; init; }

    /// <summary>A plain-HTTP port on 127.0.0.1 as well (xapi also listens on 80); null: none, 0: any free one.</summary>
    public int? HttpPort { get; init; }

    public string User { get; init; } = "root";
    public string Password { get; init; } = "simplestack";

    /// <summary>Start with the sample guests (web-01 and db-01 running, build-01 halted); false: only <see cref="ExtraVms"/>.</summary>
    public bool SampleVms { get; init; } = true;

    /// <summary>Halted VMs added to the initial state, for benchmarks.</summary>
    public int ExtraVms { get; init; }

    /// <summary>A session unused for this long is invalid (SESSION_INVALID), as xapi's idle timeout.</summary>
    public TimeSpan SessionIdleLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long an Async task stays pending before it runs, so clients can see progress.</summary>
    public TimeSpan AsyncTaskDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Start the listener that plays a pool member and answers HOST_IS_SLAVE (on 127.0.0.2, the same port).</summary>
    public bool SlaveListener { get; init; } = true;
}
