namespace Simplestack.Server.Security;

/// <summary>Who may call the gateway (section <c>Simplestack:Security</c>).</summary>
public sealed class SecurityOptions
{
    public const string Section = "Simplestack:Security";

    /// <summary>
    /// The API keys callers may present, hashed: each entry holds the SHA-256 of a key, never the
    /// key itself. Empty: no key is asked for, which is allowed only while the gateway listens on
    /// loopback addresses alone.
    /// </summary>
    public IList<ApiKeyEntry> ApiKeys { get; } = [];

    /// <summary>Whether <c>/metrics</c> and <c>/readyz</c> also need a key when keys are configured (default true).</summary>
    public bool ProtectOperationalEndpoints { get; set; } = true;
}

/// <summary>One API key: a name for the logs (never the key) and the SHA-256 of the key.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>Who holds the key; appears in request logs (the key never does).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>
    /// <c>sha256:</c> followed by 64 hex digits (or the 64 hex digits alone): the SHA-256 of the
    /// key's UTF-8 bytes, e.g. <c>printf %s "$KEY" | sha256sum</c>.
    /// </summary>
    public string Hash { get; set; } = string.Empty;
}
