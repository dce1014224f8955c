using Microsoft.Extensions.Options;

namespace Simplestack.Server.Connections;

/// <summary>The connection pool (section <c>Simplestack:Connections</c>).</summary>
public sealed class ConnectionPoolOptions
{
    public const string Section = "Simplestack:Connections";

    /// <summary>A connection unused this long is closed (shared targets such as <c>test</c> never are).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the pool looks for idle and dead connections.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most open connections; past it the least recently used idle one is closed (503 when none is idle).</summary>
    public int MaxConnections { get; set; } = 64;

    /// <summary>How long opening a connection may take (504 past it).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Refuses, at start-up, a pool configuration that cannot work, naming the key.</summary>
internal sealed class ConnectionPoolOptionsValidator : IValidateOptions<ConnectionPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionPoolOptions options)
    {
        List<string> failures = [];
        if (options.MaxConnections < 1)
        {
            failures.Add("Simplestack:Connections:MaxConnections must be at least 1.");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("Simplestack:Connections:IdleTimeout must be positive.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add("Simplestack:Connections:ConnectTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
