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
    public static readonly TimeSpan ReadInterval = TimeSpan.FromMilliseconds(500);

    /// <param name="report">Takes bytes copied and bytes to copy; null when nobody follows (then nothing is read).</param>
    public static LibvirtStorageVolume CreateFrom(
        LibvirtStoragePool pool, string volumeXml, string name, LibvirtStorageVolume source, Action<long, long>? report)
    {
        var total = report is null ? 0 : (long)source.GetInfo().Allocation;
        if (total <= 0)
        {
            return pool.CreateVolumeFrom(volumeXml, source);
        }

        report!(0, total);
        using (new AllocationWatch(pool, name, total, report))
        {
            return pool.CreateVolumeFrom(volumeXml, source);
        }
    }

    /// <summary>Reads the copy's allocation on a timer until disposed; a read still running makes the next tick pass.</summary>
    private sealed class AllocationWatch : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly LibvirtStoragePool _pool;
        private readonly string _name;
        private readonly long _total;
        private readonly Action<long, long> _report;
        private readonly Timer _timer;
        private bool _stopped;

        public AllocationWatch(LibvirtStoragePool pool, string name, long total, Action<long, long> report)
        {
            _pool = pool;
            _name = name;
            _total = total;
            _report = report;
            _timer = new Timer(_ => Read(), null, ReadInterval, ReadInterval);
        }

        public void Dispose()
        {
            // Taking the gate waits for a read under way: the pool handle outlives every read.
            lock (_gate)
            {
                _stopped = true;
            }

            _timer.Dispose();
        }

        private void Read()
        {
            if (!_gate.TryEnter())
            {
                return;
            }

            try
            {
                if (_stopped)
                {
                    return;
                }

                using var copy = _pool.TryLookupVolumeByName(_name);
                if (copy is not null)
                {
                    _report((long)copy.GetInfo().Allocation, _total);
                }
            }
            catch (Exception)
            {
                // A timer's thread must not throw. A read refused (the copy not listed yet, the
                // connection closing) only skips a tick: the copy's own call tells its failure.
            }
            finally
            {
                _gate.Exit();
            }
        }
    }
}
