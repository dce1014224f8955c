using Microsoft.Extensions.Options;

namespace Simplestack.Server.Consoles;

/// <summary>Configuration section <c>Simplestack:Console</c>.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Simplestack:Console";

    /// <summary>
    /// The key console tickets are sealed with (AES-256-GCM): base64 of 32 random bytes
    /// (<c>head -c 32 /dev/urandom | base64</c>). Every gateway process behind one load balancer
    /// needs the same key, so that a ticket one issues another accepts. Unset: a random key per
    /// process, and a ticket works only on the process that issued it.
    /// </summary>
    public string? TicketKey { get; set; }

    /// <summary>How long a ticket may wait before it is used (default 30 s).</summary>
    public int TicketLifetimeSeconds { get; set; } = 30;

    /// <summary>The largest WebSocket message a client may send (default 64 KiB); a larger one closes the console with 1009.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;
}

public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        if (options.TicketKey is { Length: > 0 } key && ConsoleTickets.ParseKey(key) is null)
        {
            return ValidateOptionsResult.Fail($"{ConsoleOptions.Section}:TicketKey must be base64 of 32 bytes (head -c 32 /dev/urandom | base64).");
        }

        if (options.TicketLifetimeSeconds is < 1 or > 600)
        {
            return ValidateOptionsResult.Fail($"{ConsoleOptions.Section}:TicketLifetimeSeconds must be between 1 and 600.");
        }

        return options.MaxMessageBytes is < 1024 or > 16 * 1024 * 1024
            ? ValidateOptionsResult.Fail($"{ConsoleOptions.Section}:MaxMessageBytes must be between 1024 and 16777216.")
            : ValidateOptionsResult.Success;
    }
}
