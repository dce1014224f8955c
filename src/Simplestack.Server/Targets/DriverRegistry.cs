using System.Diagnostics.CodeAnalysis;
using Simplestack.Core;

namespace Simplestack.Server.Targets;

/// <summary>
/// The drivers this gateway serves, registered explicitly at start-up under their URL word, with
/// aliases (<c>qemu</c> → <c>kvm</c>). No reflection, no loading by URL.
/// </summary>
public sealed class DriverRegistry
{
    private readonly Dictionary<string, IHypervisorDriver> _drivers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The canonical names, in registration order.</summary>
    public IReadOnlyList<string> Names => [.. _drivers.Keys];

    /// <summary>Registers <paramref name="driver"/> as <paramref name="name"/> and its aliases.</summary>
    public DriverRegistry Add(string name, IHypervisorDriver driver, params string[] aliases)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(driver);
        if (_drivers.ContainsKey(name) || _aliases.ContainsKey(name))
        {
            throw new InvalidOperationException($"A driver is already registered as '{name}'.");
        }

        _drivers.Add(name, driver);
        foreach (var alias in aliases)
        {
            if (_drivers.ContainsKey(alias) || !_aliases.TryAdd(alias, name))
            {
                throw new InvalidOperationException($"A driver is already registered as '{alias}'.");
            }
        }

        return this;
    }

    /// <summary>The aliases registered for a canonical name, in registration order.</summary>
    public IReadOnlyList<string> AliasesOf(string name)
        => [.. _aliases.Where(a => string.Equals(a.Value, name, StringComparison.OrdinalIgnoreCase)).Select(a => a.Key)];

    /// <summary>The canonical name for a URL word or alias (unknown words come back lower-cased).</summary>
    public string Canonical(string word)
        => _aliases.TryGetValue(word, out var name) ? name
            : _drivers.ContainsKey(word) ? _drivers.Keys.First(k => string.Equals(k, word, StringComparison.OrdinalIgnoreCase))
            : word.ToLowerInvariant();

    /// <summary>Finds the driver for a URL word or alias.</summary>
    public bool TryGet(string word, [NotNullWhen(true)] out string? canonicalName, [NotNullWhen(true)] out IHypervisorDriver? driver)
    {
        canonicalName = Canonical(word);
        if (_drivers.TryGetValue(canonicalName, out driver))
        {
            return true;
        }

        canonicalName = null;
        return false;
    }

    /// <summary>
    /// A target the operator configured as <c>hypervisor/host[:port]</c> (the staging agent's,
    /// readiness probes'), or false when the hypervisor is not served or the host does not parse.
    /// </summary>
    public bool TryParseConfiguredTarget(string spec, [NotNullWhen(true)] out IHypervisorDriver? driver, [NotNullWhen(true)] out HypervisorTarget? target)
    {
        var slash = spec.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && TryGet(spec[..slash], out var name, out driver) && HostParser.TryParse(spec[(slash + 1)..], out var host, out _))
        {
            target = new HypervisorTarget(name, host!.Host, host.Port);
            return true;
        }

        driver = null;
        target = null;
        return false;
    }
}
