using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt;

/// <summary>Host paths from requests are only accepted inside configured folders (no traversal).</summary>
public static class PathRules
{
    public static string InsideAllowed(string path, IEnumerable<string> allowedFolders, string what)
    {
        if (path.Contains('\0', StringComparison.Ordinal) || !Path.IsPathFullyQualified(path))
        {
            throw new InvalidArgumentException($"{what} must be an absolute path.");
        }

        var full = Path.GetFullPath(path);
        foreach (var folder in allowedFolders)
        {
            var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
            if (full.StartsWith(root, StringComparison.Ordinal))
            {
                return full;
            }
        }

        throw new InvalidArgumentException($"{what} '{path}' is not inside a folder the configuration allows.");
    }
}
