using System.CommandLine;
using System.Text;
using Simplestack.Client.Configuration;

namespace Simplestack.Cli;

/// <summary>
/// The location a command talks to: the configuration file's section, overridden by the
/// environment (as <c>GOVC_URL</c> or <c>LIBVIRT_DEFAULT_URI</c>), overridden by the flags, with
/// where each value came from (for <c>location list</c>).
/// </summary>
internal sealed record EffectiveLocation(
    SimplestackConfiguration Configuration,
    SimplestackLocation Location,
    IReadOnlyDictionary<string, string> Sources)
{
    public const string GatewayVariable = "SIMPLESTACK_GATEWAY";
    public const string HypervisorVariable = "SIMPLESTACK_HYPERVISOR";
    public const string HostVariable = "SIMPLESTACK_HOST";

    /// <summary>The hypervisor credentials, <c>USER:PASSWORD</c> or the header's <c>base64(USER:PASSWORD)</c>.</summary>
    public const string TokenVariable = "SIMPLESTACK_TOKEN";

    /// <summary>The gateway's API key (<c>x-simplestack-token</c>).</summary>
    public const string ApiKeyVariable = "SIMPLESTACK_API_KEY";

    /// <summary>The gateway a fresh machine runs (<c>eng/run.sh</c>), used when there is no configuration file.</summary>
    public static readonly Uri BuiltInGateway = new("http://127.0.0.1:8080");

    /// <summary>The fields <see cref="Sources"/> names, in the order <c>location list</c> shows them.</summary>
    public static readonly string[] Fields = ["gateway_url", "hypervisor", "host", "username", "api_key"];

    public static EffectiveLocation Resolve(ParseResult parseResult, Func<string, string?> variables)
    {
        var (configuration, fromFile) = LoadConfiguration(parseResult, variables);
        var location = configuration.GetLocation(parseResult.GetValue(GlobalOptions.Location));
        var origin = fromFile ? "file" : "built-in";
        var sources = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["gateway_url"] = origin,
            ["hypervisor"] = origin,
            ["host"] = origin,
            ["username"] = location.Username is null ? string.Empty : origin,
            ["api_key"] = location.ApiKey is null ? string.Empty : origin,
        };

        string? Variable(string name) => variables(name) is { Length: > 0 } value ? value : null;

        // The environment over the file...
        if (Variable(GatewayVariable) is { } gatewayText)
        {
            location = location with { GatewayUrl = ParseUrl(gatewayText, $"${GatewayVariable}", usage: false) };
            sources["gateway_url"] = GatewayVariable;
        }

        if (Variable(HypervisorVariable) is { } hypervisorText)
        {
            location = location with { Hypervisor = hypervisorText };
            sources["hypervisor"] = HypervisorVariable;
        }

        if (Variable(HostVariable) is { } hostText)
        {
            location = location with { Host = hostText };
            sources["host"] = HostVariable;
        }

        if (Variable(TokenVariable) is { } token)
        {
            var (user, password) = ParseToken(token);
            location = location with { Username = user, Password = password };
            sources["username"] = TokenVariable;
        }

        if (Variable(ApiKeyVariable) is { } apiKey)
        {
            location = location with { ApiKey = apiKey };
            sources["api_key"] = ApiKeyVariable;
        }

        // ...and the flags over both.
        if (parseResult.GetValue(GlobalOptions.Gateway) is { } gateway)
        {
            location = location with { GatewayUrl = ParseUrl(gateway, "--gateway", usage: true) };
            sources["gateway_url"] = "--gateway";
        }

        if (parseResult.GetValue(GlobalOptions.Hypervisor) is { } hypervisor)
        {
            location = location with { Hypervisor = hypervisor };
            sources["hypervisor"] = "--hypervisor";
        }

        if (parseResult.GetValue(GlobalOptions.Host) is { } host)
        {
            location = location with { Host = host };
            sources["host"] = "--host";
        }

        return new EffectiveLocation(configuration, location, sources);
    }

    /// <summary><c>USER:PASSWORD</c> (the password is everything after the first <c>:</c>) or its base64, as the gateway's header carries it.</summary>
    internal static (string User, string Password) ParseToken(string token)
    {
        var text = token;
        if (!text.Contains(':', StringComparison.Ordinal))
        {
            // Base64 has no ':', so a token without one can only be the encoded form.
            var bytes = new byte[token.Length];
            text = Convert.TryFromBase64String(token, bytes, out var length) ? Encoding.UTF8.GetString(bytes, 0, length) : string.Empty;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new ConfigurationException($"${TokenVariable} must be USER:PASSWORD or base64(USER:PASSWORD).");
        }

        return (text[..colon], text[(colon + 1)..]);
    }

    private static Uri ParseUrl(string text, string from, bool usage)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return url;
        }

        var message = $"{from} must be an http:// or https:// URL, not '{text}'.";
        throw usage ? new CliUsageException(message) : new ConfigurationException(message);
    }

    /// <summary>
    /// <c>--config</c>, else <c>$SIMPLESTACK_CONFIG</c>, else the default file; when none is named and the
    /// default file does not exist, the gateway of a fresh machine (<c>http://127.0.0.1:8080</c>, <c>test/default</c>).
    /// </summary>
    private static (SimplestackConfiguration Configuration, bool FromFile) LoadConfiguration(ParseResult parseResult, Func<string, string?> variables)
    {
        var explicitPath = parseResult.GetValue(GlobalOptions.Config);
        if (explicitPath is null && variables(SimplestackConfiguration.EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            explicitPath = fromEnvironment;
        }

        if (explicitPath is not null)
        {
            return (SimplestackConfiguration.Load(explicitPath), true);
        }

        var path = Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".simplestack", "simplestack.cfg");
        return File.Exists(path)
            ? (SimplestackConfiguration.Load(path), true)
            : (SimplestackConfiguration.FromLocation(new SimplestackLocation(SimplestackConfiguration.DefaultSection, BuiltInGateway, "test", "default")), false);
    }
}
