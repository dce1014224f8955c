namespace Simplestack.Server.Hosting;

/// <summary>The gateway's configuration (section <c>Simplestack</c>).</summary>
public sealed class SimplestackOptions
{
    public const string Section = "Simplestack";

    /// <summary>
    /// Targets the gateway may connect to (<c>hypervisor/host[:port]</c>, CIDR blocks and
    /// <c>*.domain</c> wildcards; see <see cref="Targets.AllowList"/>). Empty or absent: <see cref="Targets.AllowList.Defaults"/>.
    /// </summary>
    public IList<string> AllowedTargets { get; } = [];

    /// <summary>Longest <c>?wait=SECONDS</c> a power request may ask for.</summary>
    public int MaxWaitSeconds { get; set; } = 600;

    public ConnectionPoolOptions Connections { get; set; } = new();

    /// <summary>Instance types added to (or replacing, by id) StratusLab's standard list.</summary>
    public IList<SizeOptions> Sizes { get; } = [];

    /// <summary>The staging agent routes (<c>/host/{hostname}/</c>).</summary>
    public AgentOptions Agent { get; set; } = new();
}

/// <summary>The connection pool (section <c>Simplestack:Connections</c>).</summary>
public sealed class ConnectionPoolOptions
{
    /// <summary>A connection unused this long is closed (shared targets such as <c>test</c> never are).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the pool looks for idle and dead connections.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most open connections; past it the least recently used idle one is closed (503 when none is idle).</summary>
    public int MaxConnections { get; set; } = 64;

    /// <summary>How long opening a connection may take (504 past it).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class AgentOptions
{
    /// <summary>The one local target the staging agent routes act on, as <c>hypervisor/host</c>.</summary>
    public string Target { get; set; } = "kvm/localhost";
}

public sealed class SizeOptions
{
    public string Id { get; set; } = string.Empty;

    public string? Name { get; set; }

    public int Cpus { get; set; }

    /// <summary>MiB.</summary>
    public long Memory { get; set; }

    /// <summary>GiB, when the size implies a disk.</summary>
    public double? Disk { get; set; }
}
