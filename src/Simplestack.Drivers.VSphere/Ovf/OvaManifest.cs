using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Simplestack.Core;

namespace Simplestack.Drivers.VSphere.Ovf;

/// <summary>
/// An OVA's manifest (<c>.mf</c>, DSP0243 §5.1): one <c>ALG(file)= hex</c> line per file, with
/// SHA1, SHA256 or SHA512 as ovftool writes them. The OVF spec puts it right after the descriptor,
/// so its digests are known before any disk streams: each file is hashed as it passes and checked
/// at its end. A malformed line, an unknown algorithm or a digest that differs is a 400.
/// </summary>
internal sealed partial class OvaManifest
{
    public const int MaxBytes = 1024 * 1024;

    private readonly Dictionary<string, (HashAlgorithmName Algorithm, string Hex)> _digests;

    private OvaManifest(Dictionary<string, (HashAlgorithmName, string)> digests) => _digests = digests;

    public static OvaManifest Read(byte[] manifest)
    {
        var digests = new Dictionary<string, (HashAlgorithmName, string)>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(manifest).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0))
        {
            var match = Line().Match(line);
            if (!match.Success)
            {
                throw new InvalidArgumentException("The OVA's manifest has a line that is not ALG(file)= digest.");
            }

            var algorithm = match.Groups["algorithm"].Value switch
            {
                "SHA1" => HashAlgorithmName.SHA1,
                "SHA256" => HashAlgorithmName.SHA256,
                "SHA512" => HashAlgorithmName.SHA512,
                var other => throw new InvalidArgumentException($"The OVA's manifest uses the digest {other}; SHA1, SHA256 and SHA512 are read."),
            };
            digests[match.Groups["file"].Value] = (algorithm, match.Groups["hex"].Value.ToLowerInvariant());
        }

        return new OvaManifest(digests);
    }

    /// <summary>A hash for <paramref name="file"/> when the manifest lists it, else null (nothing to check).</summary>
    public IncrementalHash? HashFor(string file)
        => _digests.TryGetValue(file, out var digest) ? IncrementalHash.CreateHash(digest.Algorithm) : null;

    /// <summary>Checks a file hashed with <see cref="HashFor"/> against its line (400 when they differ).</summary>
    public void Check(string file, IncrementalHash? hash)
    {
        if (hash is null)
        {
            return;
        }

        if (Convert.ToHexStringLower(hash.GetHashAndReset()) != _digests[file].Hex)
        {
            throw new InvalidArgumentException($"The OVA's '{file}' does not match its digest in the manifest: the archive is damaged or was changed.");
        }
    }

    public void Check(string file, byte[] data)
    {
        using var hash = HashFor(file);
        hash?.AppendData(data);
        Check(file, hash);
    }

    [GeneratedRegex(@"^(?<algorithm>[A-Z0-9]+)\((?<file>[^()]+)\)\s*=\s*(?<hex>[0-9a-fA-F]+)\s*$")]
    private static partial Regex Line();
}
