using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>
/// A driver connection and an independent probe on one vcsim, for the vmware-specific device
/// tests; the guests and files a test makes are removed when it ends.
/// </summary>
public abstract class VcsimDeviceTest(VcsimProcess vcsim) : IAsyncLifetime
{
    private readonly List<string> _guests = [];
    private readonly List<string> _volumes = [];

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected VSphereConnection Connection { get; private set; } = null!;

    internal VcsimProbe Probe { get; private set; } = null!;

    protected VcsimProcess Vcsim => vcsim;

    public async ValueTask InitializeAsync()
    {
        Connection = await VcsimConnection.OpenAsync(vcsim, cancellationToken: Ct);
        Probe = new VcsimProbe(vcsim);
    }

    /// <summary>A stopped (or started) guest with disks of these sizes in GiB.</summary>
    protected async Task<Guest> CreateGuestAsync(double[] disks, bool start = false)
    {
        var name = $"ss-dev-{Guid.NewGuid():N}"[..16];
        _guests.Add(name);
        return await Connection.CreateGuestAsync(new GuestCreateRequest(name, 256, Disks: [.. disks.Select(d => new DiskSpec(d))], Start: start), Ct);
    }

    /// <summary>A datastore path the test made; deleted when it ends.</summary>
    protected void RememberVolume(string datastorePath) => _volumes.Add(datastorePath);

    protected static long GiB(double gib) => (long)(gib * 1024 * 1024 * 1024);

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        foreach (var name in _guests)
        {
            try
            {
                await Connection.DeleteGuestAsync(name, new GuestDeleteOptions(), CancellationToken.None);
            }
            catch (EntityNotFoundException)
            {
                // Deleted by the test.
            }
        }

        _volumes.ForEach(Probe.DeleteVolume);
        Probe.Dispose();
        await Connection.DisposeAsync();
    }
}
