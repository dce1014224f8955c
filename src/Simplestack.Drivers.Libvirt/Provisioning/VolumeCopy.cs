using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt.Provisioning;

/// <summary>
/// A volume copied into a pool (<c>virStorageVolCreateXMLFrom</c>), with its progress when someone
/// follows the work. libvirt's call says nothing while it copies, but the copy is a volume of its
/// pool from the start (libvirt lists it while it is built, as <c>virsh vol-info</c> shows): its
/// allocation read against the source's, every <see cref="ReadInterval"/>, is how far the copy has
/// come. Sparse sources are measured by what they hold, so a copy of a mostly empty disk moves by
/// its data, not its size.
/// </summary>
internal static class VolumeCopy
{
    public static readonly TimeSpan ReadInterval = TimeSpan.FromMilliseconds(250);

    /// <param name="report">Takes bytes copied and bytes to copy, from the start; null when nobody follows (then nothing is read).</param>
    public static LibvirtStorageVolume CreateFrom(
        LibvirtStoragePool pool, string volumeXml, string name, LibvirtStorageVolume source, Action<long, long>? report)
    {
        if (report is null)
        {
            return pool.CreateVolumeFrom(volumeXml, source);
        }

        // The step begins (its phase told) whether or not there is anything to measure.
        var total = (long)source.GetInfo().Allocation;
        report(0, total);
        if (total <= 0)
        {
            return pool.CreateVolumeFrom(volumeXml, source);
        }

        using (new AllocationWatch(pool, name, total, report))
        {
            return pool.CreateVolumeFrom(volumeXml, source);
        }
    }

    /// <summary>
    /// Reads the copy's allocation on a thread of its own until disposed: a timer would wait for
    /// the shared thread pool, which a busy gateway may hold past the whole copy.
    /// </summary>
    private sealed class AllocationWatch : IDisposable
    {
        private readonly ManualResetEventSlim _stop = new();
        private readonly LibvirtStoragePool _pool;
        private readonly string _name;
        private readonly long _total;
        private readonly Action<long, long> _report;
        private readonly Thread _thread;

        public AllocationWatch(LibvirtStoragePool pool, string name, long total, Action<long, long> report)
        {
            _pool = pool;
            _name = name;
            _total = total;
            _report = report;
            _thread = new Thread(Watch) { IsBackground = true, Name = "libvirt volume copy progress" };
            _thread.Start();
        }

        public void Dispose()
        {
            // Joined: the pool handle outlives every read.
            _stop.Set();
            _thread.Join();
            _stop.Dispose();
        }

        private void Watch()
        {
            while (!_stop.Wait(ReadInterval))
            {
                try
                {
                    using var copy = _pool.TryLookupVolumeByName(_name);
                    if (copy is not null)
                    {
                        _report((long)copy.GetInfo().Allocation, _total);
                    }
                }
                catch (Exception)
                {
                    // A thread of its own must not throw. A read refused (the copy not listed yet,
                    // the connection closing) only skips a turn: the copy's own call tells its failure.
                }
            }
        }
    }
}
