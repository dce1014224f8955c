using System.Diagnostics;
using System.Text;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Provisioning;

/// <summary>
/// A NoCloud seed: an ISO 9660 image labelled <c>cidata</c> holding <c>user-data</c> and
/// <c>meta-data</c>, which cloud-init (and the project's test guest) read at boot. Built with
/// genisoimage, as cloud-localds does; no .NET library writes ISO 9660 here.
/// </summary>
public static class NoCloudSeed
{
    /// <summary>The seed's files. With keys and no user data, the user data is a cloud-config that installs the keys.</summary>
    public static (string UserData, string MetaData) Files(string instanceId, string hostName, string? userData, IReadOnlyList<string> sshKeys)
    {
        foreach (var key in sshKeys)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Any(c => c is '\n' or '\r') || key.Length > 16384)
            {
                throw new InvalidArgumentException("Each ssh_keys entry must be one public key on one line.");
            }
        }

        var meta = new StringBuilder()
            .Append("instance-id: ").Append(YamlQuote(instanceId)).Append('\n')
            .Append("local-hostname: ").Append(YamlQuote(hostName)).Append('\n');
        if (sshKeys.Count > 0)
        {
            meta.Append("public-keys:\n");
            foreach (var key in sshKeys)
            {
                meta.Append("  - ").Append(YamlQuote(key.Trim())).Append('\n');
            }
        }

        if (userData is null)
        {
            var config = new StringBuilder("#cloud-config\n");
            if (sshKeys.Count > 0)
            {
                config.Append("ssh_authorized_keys:\n");
                foreach (var key in sshKeys)
                {
                    config.Append("  - ").Append(YamlQuote(key.Trim())).Append('\n');
                }
            }

            userData = config.ToString();
        }

        return (userData, meta.ToString());
    }

    /// <summary>Writes the seed ISO to a new temporary file and returns its path (the caller deletes it).</summary>
    public static string BuildIso(string userData, string metaData)
    {
        var folder = Directory.CreateTempSubdirectory("simplestack-seed-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "user-data"), userData);
            File.WriteAllText(Path.Combine(folder.FullName, "meta-data"), metaData);
            var iso = Path.Combine(Path.GetTempPath(), $"simplestack-seed-{Guid.NewGuid():N}.iso");
            var start = new ProcessStartInfo("genisoimage")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (var argument in new[] { "-quiet", "-output", iso, "-volid", "cidata", "-joliet", "-rock", Path.Combine(folder.FullName, "user-data"), Path.Combine(folder.FullName, "meta-data") })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new HypervisorErrorException("genisoimage could not be started.");
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0
                ? iso
                : throw new HypervisorErrorException($"genisoimage failed building the NoCloud seed: {errors.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new FeatureNotAvailableException($"user_data and ssh_keys need genisoimage on the gateway host ({error.Message}).");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>A YAML double-quoted scalar: safe for any text on one line.</summary>
    private static string YamlQuote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                _ when char.IsControl(c) => quoted.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }
}
