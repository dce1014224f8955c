using System.Runtime.InteropServices;

namespace Simplestack.Libvirt.Tests;

[CollectionDefinition(nameof(StderrCollection), DisableParallelization = true)]
public sealed class StderrCollection;

[Collection(nameof(StderrCollection))]
public sealed partial class StderrTests
{
    [Fact]
    public void Failing_calls_write_nothing_to_stderr()
    {
        using var conn = LibvirtConnection.Open(TestXml.Uri);
        using var test = conn.TryLookupDomainByName("test")!;
        var path = Path.GetTempFileName();
        var captured = CaptureStderr(path, () =>
        {
            Assert.Throws<LibvirtException>(test.Resume);
            Assert.Null(conn.TryLookupDomainByName("no-such-domain"));
            Assert.Throws<LibvirtException>(() => conn.DefineDomain("<domain>not valid"));
            Assert.Throws<LibvirtException>(() => LibvirtConnection.Open("nosuchdriver:///x"));
        });
        File.Delete(path);
        Assert.Equal(string.Empty, captured);
    }

    private static string CaptureStderr(string path, Action action)
    {
        const int StderrFd = 2;
        var saved = Dup(StderrFd);
        Assert.True(saved >= 0);
        try
        {
            using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
            {
                Assert.True(Dup2((int)file.DangerousGetHandle(), StderrFd) >= 0);
            }

            action();
        }
        finally
        {
            Dup2(saved, StderrFd);
            Close(saved);
        }

        return File.ReadAllText(path);
    }

    [LibraryImport("libc", EntryPoint = "dup")]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "dup2")]
    private static partial int Dup2(int oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
