using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration.Ini;
using Simplestack.Client.Models;

namespace Simplestack.Client.Configuration;

/// <summary>
/// The client configuration file, in the StratusLab manner: an INI file whose <c>[default]</c>
/// section is required and whose other sections are locations, each inheriting what it does not
/// set from <c>[default]</c>; plus <c>[instance_types]</c> for custom sizes
/// (<c>name = cpus, memory_mib[, disk_gib]</c>). Default path <c>~/.simplestack/simplestack.cfg</c>,
/// overridden by the environment variable <c>SIMPLESTACK_CONFIG</c>.
/// </summary>
/// <example>
/// <code>
/// [default]
/// gateway_url = http://127.0.0.1:8080
/// hypervisor = test
/// host = default
///
/// [lab]
/// hypervisor = kvm
/// host = 10.0.0.5
/// username = admin
/// password = secret
/// ssh_private_key = ~/.ssh/id_ed25519
/// ssh_public_key = ~/.ssh/id_ed25519.pub
///
/// [instance_types]
/// tiny = 1, 256
/// big = 8, 16384, 40
/// </code>
/// </example>
public sealed partial class SimplestackConfiguration
{
    public const string EnvironmentVariable = "SIMPLESTACK_CONFIG";
    public const string DefaultSection = "default";
    public const string InstanceTypesSection = "instance_types";

    /// <summary>The keys a location section may hold.</summary>
    public static IReadOnlyList<string> LocationKeys { get; } =
        ["gateway_url", "hypervisor", "host", "username", "password", "api_key", "ssh_private_key", "ssh_public_key", "ssh_username"];

    private SimplestackConfiguration(string? path, IReadOnlyList<SimplestackLocation> locations, IReadOnlyList<InstanceSize> instanceTypes)
    {
        Path = path;
        Locations = locations;
        InstanceTypes = instanceTypes;
    }

    /// <summary>The file read, or null for a configuration built in code.</summary>
    public string? Path { get; }

    /// <summary>Every location, <c>default</c> first, then in the file's order.</summary>
    public IReadOnlyList<SimplestackLocation> Locations { get; }

    /// <summary>The sizes of <c>[instance_types]</c>.</summary>
    public IReadOnlyList<InstanceSize> InstanceTypes { get; }

    public SimplestackLocation DefaultLocation => Locations[0];

    /// <summary>The path the file is read from when none is given: <c>$SIMPLESTACK_CONFIG</c>, else <c>~/.simplestack/simplestack.cfg</c>.</summary>
    public static string DefaultPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return !string.IsNullOrWhiteSpace(fromEnvironment)
            ? ExpandHome(fromEnvironment)
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".simplestack", "simplestack.cfg");
    }

    /// <summary>A configuration of one location, built in code.</summary>
    public static SimplestackConfiguration FromLocation(SimplestackLocation location, IReadOnlyList<InstanceSize>? instanceTypes = null)
        => new(null, [location with { Name = DefaultSection }], instanceTypes ?? []);

    /// <summary>Reads the file at <paramref name="path"/> (or <see cref="DefaultPath"/>).</summary>
    /// <exception cref="ConfigurationException">The file is missing or wrong; the message names the file, section and key.</exception>
    public static SimplestackConfiguration Load(string? path = null)
    {
        path = ExpandHome(path ?? DefaultPath());
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, null, null, $"cannot be read: {e.Message}", e);
        }

        return Parse(text, path);
    }

    /// <summary>Parses the text of a configuration file; <paramref name="path"/> names it in errors.</summary>
    public static SimplestackConfiguration Parse(string text, string path)
    {
        IDictionary<string, string?> values;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
            values = IniStreamConfigurationProvider.Read(stream);
        }
        catch (FormatException e)
        {
            // The INI reader names the line's text but not where it is.
            throw new ConfigurationException(path, null, null, $"is not a valid INI file: {e.Message}", e);
        }

        var sections = SectionOrder(text);
        var bySection = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in sections)
        {
            bySection[section] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        }

        foreach (var (fullKey, value) in values)
        {
            var colon = fullKey.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new ConfigurationException(path, null, fullKey, "is outside any section; put it under [default] or a location's section.");
            }

            var section = fullKey[..colon];
            var key = fullKey[(colon + 1)..];
            if (!bySection.TryGetValue(section, out var entries))
            {
                bySection[section] = entries = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                sections.Add(section);
            }

            entries[key] = value ?? string.Empty;
        }

        if (!bySection.TryGetValue(DefaultSection, out var defaults))
        {
            throw new ConfigurationException(path, DefaultSection, null, "is missing; the file must have a [default] section.");
        }

        var instanceTypes = bySection.TryGetValue(InstanceTypesSection, out var types)
            ? ParseInstanceTypes(path, types)
            : [];

        var locations = new List<SimplestackLocation>();
        foreach (var section in sections.Where(s => !s.Equals(InstanceTypesSection, StringComparison.OrdinalIgnoreCase))
                     .OrderBy(s => s.Equals(DefaultSection, StringComparison.OrdinalIgnoreCase) ? 0 : 1))
        {
            locations.Add(ReadLocation(path, section, bySection[section], defaults));
        }

        return new SimplestackConfiguration(path, locations, instanceTypes);
    }

    /// <summary>A location by name (case-insensitive); null or empty means <c>default</c>.</summary>
    /// <exception cref="ConfigurationException">No section of that name.</exception>
    public SimplestackLocation GetLocation(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return DefaultLocation;
        }

        return Locations.FirstOrDefault(l => l.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ConfigurationException(
                Path ?? "(configuration)",
                name,
                null,
                $"is not a location of this file; its locations are {string.Join(", ", Locations.Select(l => l.Name))}.");
    }

    private static SimplestackLocation ReadLocation(string path, string section, Dictionary<string, string> entries, Dictionary<string, string> defaults)
    {
        foreach (var key in entries.Keys)
        {
            if (!LocationKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new ConfigurationException(path, section, key, $"is not a known key; a location takes {string.Join(", ", LocationKeys)}.");
            }
        }

        string? Get(string key)
        {
            var value = entries.TryGetValue(key, out var own) ? own : defaults.TryGetValue(key, out var inherited) ? inherited : null;
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        string Require(string key)
            => Get(key) ?? throw new ConfigurationException(path, section, key, $"is required (set it in [{section}] or in [default]).");

        // Report a bad value against the section that holds it.
        string Where(string key) => entries.ContainsKey(key) ? section : DefaultSection;

        var url = Require("gateway_url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var gateway) || (gateway.Scheme != Uri.UriSchemeHttp && gateway.Scheme != Uri.UriSchemeHttps))
        {
            throw new ConfigurationException(path, Where("gateway_url"), "gateway_url", $"must be an http:// or https:// URL, not '{url}'.");
        }

        var hypervisor = Require("hypervisor");
        var host = Require("host");
        foreach (var (key, value) in new[] { ("hypervisor", hypervisor), ("host", host) })
        {
            if (value.Contains('/', StringComparison.Ordinal) || value.Any(char.IsWhiteSpace))
            {
                throw new ConfigurationException(path, Where(key), key, $"must be one word without '/' or spaces, not '{value}'.");
            }
        }

        var password = Get("password");
        var username = Get("username");
        if (password is not null && username is null)
        {
            throw new ConfigurationException(path, Where("password"), "password", "is set but username is not.");
        }

        return new SimplestackLocation(section.ToLowerInvariant(), gateway, hypervisor, host)
        {
            Username = username,
            Password = password,
            ApiKey = Get("api_key"),
            SshPrivateKey = Get("ssh_private_key") is { } privateKey ? ExpandHome(privateKey) : null,
            SshPublicKey = Get("ssh_public_key") is { } publicKey ? ExpandHome(publicKey) : null,
            SshUsername = Get("ssh_username"),
        };
    }

    private static List<InstanceSize> ParseInstanceTypes(string path, Dictionary<string, string> entries)
    {
        var sizes = new List<InstanceSize>();
        foreach (var (name, value) in entries)
        {
            var parts = value.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length is < 2 or > 3
                || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var cpus) || cpus < 1
                || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var memory) || memory < 1)
            {
                throw new ConfigurationException(
                    path, InstanceTypesSection, name, $"must be 'cpus, memory_mib[, disk_gib]' with positive whole numbers, not '{value}'.");
            }

            double? disk = null;
            if (parts.Length == 3)
            {
                if (!double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var gib) || gib <= 0)
                {
                    throw new ConfigurationException(path, InstanceTypesSection, name, $"has a disk size that is not a positive number of GiB: '{parts[2]}'.");
                }

                disk = gib;
            }

            sizes.Add(new InstanceSize { Id = name, Name = name, Cpus = cpus, Memory = memory, Disk = disk });
        }

        return sizes;
    }

    /// <summary>The section headers in the file's order, including sections without keys.</summary>
    private static List<string> SectionOrder(string text)
    {
        var sections = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var match = SectionHeader().Match(line);
            if (match.Success)
            {
                var name = match.Groups[1].Value.Trim();
                if (!sections.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    sections.Add(name);
                }
            }
        }

        return sections;
    }

    internal static string ExpandHome(string path)
        => path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    [GeneratedRegex(@"^\s*\[([^\]]+)\]\s*$")]
    private static partial Regex SectionHeader();
}

/// <summary>
/// One location: a gateway, the target behind it, and the credentials for both, plus the SSH key
/// pair used to deploy nodes there.
/// </summary>
public sealed record SimplestackLocation(string Name, Uri GatewayUrl, string Hypervisor, string Host)
{
    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>Path of the private key used to reach deployed nodes.</summary>
    public string? SshPrivateKey { get; init; }

    /// <summary>Path of the public key installed on deployed nodes.</summary>
    public string? SshPublicKey { get; init; }

    /// <summary>The user to log in as on deployed nodes (default <c>root</c>).</summary>
    public string? SshUsername { get; init; }

    public SimplestackTarget Target => new(Hypervisor, Host) { Username = Username, Password = Password, ApiKey = ApiKey };

    /// <summary>A client for this location, with its own HttpClient (or <paramref name="http"/>, whose BaseAddress is set if empty).</summary>
    public SimplestackClient CreateClient(HttpClient? http = null)
    {
        if (http is null)
        {
            return SimplestackClient.Create(GatewayUrl, Target);
        }

        http.BaseAddress ??= GatewayUrl;
        return new SimplestackClient(http, Target);
    }

    /// <summary>Redacted.</summary>
    public override string ToString() => $"{Name}: {GatewayUrl} {Target}";
}

/// <summary>The configuration file is missing or wrong. The message names the file, section and key.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException()
    {
    }

    public ConfigurationException(string message)
        : base(message)
    {
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConfigurationException(string file, string? section, string? key, string problem, Exception? inner = null)
        : base(Describe(file, section, key, problem), inner)
    {
        File = file;
        Section = section;
        Key = key;
    }

    public string? File { get; }

    public string? Section { get; }

    public string? Key { get; }

    private static string Describe(string file, string? section, string? key, string problem)
        => (section, key) switch
        {
            (null, null) => $"{file}: {problem}",
            (not null, null) => $"{file}: section [{section}] {problem}",
            (null, not null) => $"{file}: key '{key}' {problem}",
            _ => $"{file}: [{section}] {key} {problem}",
        };
}
