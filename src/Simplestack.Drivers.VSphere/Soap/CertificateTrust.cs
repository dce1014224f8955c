using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// How a host's or vCenter's TLS certificate is trusted (API.md §1): a per-target SHA-256 pin when configured
/// (the certificate must be exactly that one), else a configured CA file, else the system CAs.
/// Never "accept anything": a configuration that cannot be read is refused at start, not ignored.
/// A copy of the xen driver's Rpc/CertificateTrust.cs with this driver's options and key names:
/// the two drivers are kept apart (each depends on Core only); move both into one shared type
/// when a third driver needs it.
/// </summary>
public sealed class CertificateTrust
{
    private readonly Dictionary<string, byte[]> _pins = new(StringComparer.OrdinalIgnoreCase);
    private readonly X509Certificate2Collection? _authorities;

    public CertificateTrust(VSphereDriverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (target, fingerprint) in options.CertificatePins)
        {
            _pins[NormalizeTarget(target)] = ParseFingerprint(target, fingerprint);
        }

        if (!string.IsNullOrWhiteSpace(options.CaFile))
        {
            if (!File.Exists(options.CaFile))
            {
                throw new InvalidOperationException($"Simplestack:VSphere:CaFile names '{options.CaFile}', which does not exist.");
            }

            _authorities = [];
            _authorities.ImportFromPemFile(options.CaFile);
            if (_authorities.Count == 0)
            {
                throw new InvalidOperationException($"Simplestack:VSphere:CaFile '{options.CaFile}' holds no PEM certificate.");
            }
        }
    }

    /// <summary>A handler for connections to <paramref name="host"/>:<paramref name="port"/> that trusts certificates by these rules.</summary>
    public SocketsHttpHandler CreateHandler(string host, int? port)
    {
        var pin = _pins.GetValueOrDefault(NormalizeTarget(port is null ? host : $"{host}:{port}"));
        return new SocketsHttpHandler
        {
            UseCookies = false, // The session cookie is kept by VimSoapClient, never in a shared container.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => IsTrusted(pin, certificate, chain, errors),
            },
        };
    }

    internal bool IsTrusted(byte[]? pin, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
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

    internal static byte[] ParseFingerprint(string target, string fingerprint)
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

        throw new InvalidOperationException($"Simplestack:VSphere:CertificatePins:{target} is not a SHA-256 fingerprint (64 hex digits).");
    }
}
