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

        // An init that stops on SIGTERM (libvirt's shutdown of a container): a plain shell as
        // PID 1 ignores it, so a graceful stop would never finish.
        var init = System.IO.Path.Combine(bin, "ss-init");
        if (!File.Exists(init) && !OperatingSystem.IsWindows())
        {
            File.WriteAllText(init, "#!/bin/sh\ntrap 'exit 0' TERM\nwhile :; do sleep 1; done\n");
            File.SetUnixFileMode(init, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return root;
    }

    /// <summary>The init of <see cref="Path"/> that stops when asked to (SIGTERM).</summary>
    public const string StoppableInit = "/bin/ss-init";
}
