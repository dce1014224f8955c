using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Simplestack.Core;

/// <summary>
/// How a hypervisor's TLS certificate is trusted (API.md §1), for every driver that speaks HTTPS to
/// its hypervisor (xen, vmware): a per-target SHA-256 pin when configured (the certificate must be
/// exactly that one), else a configured CA file, else the system CAs. Never "accept anything": a
/// configuration that cannot be read is refused at start, not ignored.
/// </summary>
public sealed class CertificateTrust
{
    private readonly Dictionary<string, byte[]> _pins = new(StringComparer.OrdinalIgnoreCase);
    private readonly X509Certificate2Collection? _authorities;

    /// <param name="section">The driver's configuration section (<c>Simplestack:XenApi</c>), named in errors.</param>
    /// <param name="pins">Fingerprints by target (<c>host</c> or <c>host:port</c>; <c>:443</c> is the same as none).</param>
    /// <param name="caFile">A PEM file of authorities the certificates must chain to, or null for the system's.</param>
    public CertificateTrust(string section, IEnumerable<KeyValuePair<string, string>> pins, string? caFile)
    {
        ArgumentNullException.ThrowIfNull(pins);
        foreach (var (target, fingerprint) in pins)
        {
            _pins[NormalizeTarget(target)] = ParseFingerprint($"{section}:CertificatePins:{target}", fingerprint);
        }

        if (!string.IsNullOrWhiteSpace(caFile))
        {
            if (!File.Exists(caFile))
            {
                throw new InvalidOperationException($"{section}:CaFile names '{caFile}', which does not exist.");
            }

            _authorities = [];
            _authorities.ImportFromPemFile(caFile);
            if (_authorities.Count == 0)
            {
                throw new InvalidOperationException($"{section}:CaFile '{caFile}' holds no PEM certificate.");
            }
        }
    }

    /// <summary>
    /// A handler for connections to <paramref name="host"/>:<paramref name="port"/> that trusts
    /// certificates by these rules. <paramref name="useCookies"/> false: a driver that keeps its
    /// session cookie itself, never in the handler's shared container.
    /// </summary>
    public SocketsHttpHandler CreateHandler(string host, int? port, bool useCookies = true)
    {
        var pin = _pins.GetValueOrDefault(NormalizeTarget(port is null ? host : $"{host}:{port}"));
        return new SocketsHttpHandler
        {
            UseCookies = useCookies,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => IsTrusted(pin, certificate, chain, errors),
            },
        };
    }

    /// <summary>
    /// TLS options for a raw connection to <paramref name="host"/>:<paramref name="port"/> (a console
    /// tunnel, not HTTP) that trust its certificate by the same rules as <see cref="CreateHandler"/>.
    /// </summary>
    public SslClientAuthenticationOptions CreateSslOptions(string host, int? port)
    {
        var pin = _pins.GetValueOrDefault(NormalizeTarget(port is null ? host : $"{host}:{port}"));
        return new SslClientAuthenticationOptions
        {
            TargetHost = host,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => IsTrusted(pin, certificate, chain, errors),
        };
    }

    private bool IsTrusted(byte[]? pin, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        if (pin is not null)
        {
            // A pin is the whole trust: the name and the issuer do not matter, the exact certificate does.
            return CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.GetRawCertData()), pin);
        }

        if (_authorities is null)
        {
            return errors == SslPolicyErrors.None;
        }

        // The name must still match; only the chain is checked against the configured authorities.
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    /// <summary><c>host:443</c> and <c>host</c> are the same target.</summary>
    private static string NormalizeTarget(string target)
        => target.EndsWith(":443", StringComparison.Ordinal) ? target[..^4] : target;

    /// <summary>A SHA-256 fingerprint from hex (colons and spaces allowed); <paramref name="key"/> names the setting in the error.</summary>
    public static byte[] ParseFingerprint(string key, string fingerprint)
    {
        var hex = (fingerprint ?? "").Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        try
        {
            var bytes = Convert.FromHexString(hex);
            if (bytes.Length == SHA256.HashSizeInBytes)
            {
                return bytes;
            }
        }
        catch (FormatException)
        {
            // Reported below with the target's name.
        }

        throw new InvalidOperationException($"{key} is not a SHA-256 fingerprint (64 hex digits).");
    }
}
