using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>
/// <c>DELETE .../guests/{id}?keep_disks=true</c> on vSphere: the VM leaves the inventory
/// (UnregisterVM) and every file stays on the datastore; without it the VM's folder goes.
/// Checked on the datastore folders vcsim keeps on this machine.
/// </summary>
public sealed class VSphereKeepDisksTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>, IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly VcsimProbe _probe = new(vpx.Vcsim);

    public void Dispose() => _probe.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Keep_disks_leaves_the_running_guests_disks_on_the_datastore_and_a_plain_delete_removes_them(bool keepDisks)
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var name = $"ss-keep-{Guid.NewGuid():N}"[..15];
        var guest = await connection.CreateGuestAsync(new GuestCreateRequest(name, 256, Disks: [new DiskSpec(1), new DiskSpec(2)], Start: true), Ct);
        // vcsim keeps each VM's files in a folder of the datastore's local folder: a disk is its descriptor and its -flat extent.
        var folder = Path.Combine(vpx.Vcsim.DatastoreFolders[0], name);
        var disks = Directory.GetFiles(folder, "*.vmdk").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, disks.Count(d => !d.EndsWith("-flat.vmdk", StringComparison.Ordinal)));

        await connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(keepDisks), Ct);

        Assert.False(_probe.GuestExists(name));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => connection.GetGuestAsync(guest.Id, Ct));
        Assert.Equal(keepDisks ? disks : [], disks.Where(File.Exists).ToList());
        if (keepDisks)
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
