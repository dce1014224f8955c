using System.Net;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt.Provisioning;

/// <summary>
/// Fetches an installer's kernel and initrd from an allowed location straight into storage
/// volumes. Redirects are not followed: a redirect could leave the allowed prefixes.
/// </summary>
internal static class InstallFetcher
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = TimeSpan.FromMinutes(10),
    };

    /// <summary>Finds the first layout whose kernel answers and returns both URLs.</summary>
    public static (Uri Kernel, Uri Initrd) Locate(Uri location)
    {
        foreach (var (kernel, initrd) in InstallLocations.Layouts)
        {
            var kernelUri = new Uri(location, kernel);
            using var probe = Http.Send(new HttpRequestMessage(HttpMethod.Head, kernelUri), HttpCompletionOption.ResponseHeadersRead);
            if (probe.StatusCode == HttpStatusCode.OK)
            {
                return (kernelUri, new Uri(location, initrd));
            }
        }

        throw new InvalidArgumentException("install.location holds no installer kernel in a known layout (Debian/Ubuntu netboot, images/pxeboot, or linux + initrd.gz at the top).");
    }

    /// <summary>Downloads <paramref name="uri"/> into a new raw volume of <paramref name="pool"/> and returns the volume's path.</summary>
    public static string FetchInto(LibvirtStoragePool pool, string volumeName, Uri uri, Action<string> created)
    {
        using var response = Http.Send(new HttpRequestMessage(HttpMethod.Get, uri), HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidArgumentException($"Fetching the installer's {Path.GetFileName(uri.AbsolutePath)} answered {(int)response.StatusCode}.");
        }

        using var body = response.Content.ReadAsStream();
        var length = response.Content.Headers.ContentLength;
        string? spool = null;
        Stream source = body;
        try
        {
            if (length is null)
            {
                // Without a length the volume cannot be sized up front: spool to a temporary file.
                spool = Path.GetTempFileName();
                source = new FileStream(spool, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
                body.CopyTo(source);
                length = source.Length;
                source.Position = 0;
            }

            using var volume = pool.CreateVolume(Xml.VolumeXml.Build(new Xml.VolumeDefinition(volumeName, length.Value, "raw")));
            created(volume.Path);
            VolumeUpload.Upload(volume, source, length.Value);
            return volume.Path;
        }
        finally
        {
            if (spool is not null)
            {
                source.Dispose();
            }
        }
    }
}
