namespace Simplestack.IntegrationTests;

/// <summary>A minimal container root filesystem: busybox-static and its applets, made once per run.</summary>
public static class LxcRootfs
{
    public const string Folder = "/var/lib/simplestack/lxc";

    private static readonly Lazy<string> Made = new(Make);

    public static string Path => Made.Value;

    private static string Make()
    {
        var root = System.IO.Path.Combine(Folder, "busybox");
        var bin = System.IO.Path.Combine(root, "bin");
        Directory.CreateDirectory(bin);
        foreach (var dir in new[] { "proc", "sys", "dev", "tmp", "etc", "root" })
        {
            Directory.CreateDirectory(System.IO.Path.Combine(root, dir));
        }

        var busybox = System.IO.Path.Combine(bin, "busybox");
        if (!File.Exists(busybox))
        {
            File.Copy("/bin/busybox", busybox);
        }

        foreach (var applet in new[] { "sh", "echo", "cat", "ls", "sleep", "uname", "hostname", "ps", "mount" })
        {
            var link = System.IO.Path.Combine(bin, applet);
            if (!File.Exists(link))
            {
                File.CreateSymbolicLink(link, "busybox");
            }
        }

        return root;
    }
}
