namespace Simplestack.XenApi.Simulator.Store;

/// <summary>
/// What each VDI holds, sparse: the 1 MiB blocks that carry a non-zero byte, by VDI ref; every
/// other byte reads as zero, so a 20 GiB disk that nobody wrote costs nothing. A stored block is
/// never changed in place (a write replaces it), so a reader may keep one outside the lock and
/// a copy of a VDI shares its blocks.
/// </summary>
internal sealed class VdiContent
{
    /// <summary>The XVA block size (stream_vdi.ml chunk_size), also the unit kept here.</summary>
    public const int BlockSize = 1 << 20;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, SortedDictionary<long, byte[]>> _disks = new(StringComparer.Ordinal);

    /// <summary>Writes bytes at an offset; blocks that end up all zeros are dropped.</summary>
    public void Write(string vdi, long offset, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_sync)
        {
            var blocks = Disk(vdi);
            while (!data.IsEmpty)
            {
                var index = offset / BlockSize;
                var within = (int)(offset % BlockSize);
                var count = Math.Min(BlockSize - within, data.Length);
                var block = new byte[BlockSize];
                if (blocks.TryGetValue(index, out var old))
                {
                    old.CopyTo(block, 0);
                }
                data[..count].CopyTo(block.AsSpan(within));
                Store(blocks, index, block);
                data = data[count..];
                offset += count;
            }
        }
    }

    /// <summary>Puts one whole block (shorter at a disk's end is fine), as an import does.</summary>
    public void PutBlock(string vdi, long index, ReadOnlySpan<byte> data)
    {
        var block = new byte[BlockSize];
        data[..Math.Min(data.Length, BlockSize)].CopyTo(block);
        lock (_sync)
        {
            Store(Disk(vdi), index, block);
        }
    }

    /// <summary>A block's bytes (BlockSize long; read only), or null when it is all zeros.</summary>
    public byte[]? Block(string vdi, long index)
    {
        lock (_sync)
        {
            return _disks.TryGetValue(vdi, out var blocks) && blocks.TryGetValue(index, out var block) ? block : null;
        }
    }

    /// <summary>The indexes of the blocks with data, in order.</summary>
    public IReadOnlyList<long> Written(string vdi)
    {
        lock (_sync)
        {
            return _disks.TryGetValue(vdi, out var blocks) ? [.. blocks.Keys] : [];
        }
    }

    /// <summary>Reads <paramref name="count"/> bytes from an offset; unwritten parts are zeros.</summary>
    public byte[] Read(string vdi, long offset, int count)
    {
        var result = new byte[count];
        var done = 0;
        while (done < count)
        {
            var at = offset + done;
            var within = (int)(at % BlockSize);
            var length = Math.Min(BlockSize - within, count - done);
            Block(vdi, at / BlockSize)?.AsSpan(within, length).CopyTo(result.AsSpan(done));
            done += length;
        }
        return result;
    }

    /// <summary>Makes <paramref name="to"/> hold what <paramref name="from"/> holds (VDI.copy, clone, snapshot).</summary>
    public void Copy(string from, string to)
    {
        lock (_sync)
        {
            if (_disks.TryGetValue(from, out var blocks) && blocks.Count > 0)
            {
                _disks[to] = new SortedDictionary<long, byte[]>(blocks);
            }
        }
    }

    public void Remove(string vdi)
    {
        lock (_sync)
        {
            _disks.Remove(vdi);
        }
    }

    private SortedDictionary<long, byte[]> Disk(string vdi)
    {
        if (!_disks.TryGetValue(vdi, out var blocks))
        {
            blocks = [];
            _disks[vdi] = blocks;
        }
        return blocks;
    }

    private static void Store(SortedDictionary<long, byte[]> blocks, long index, byte[] block)
    {
        if (block.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            blocks.Remove(index);
        }
        else
        {
            blocks[index] = block;
        }
    }
}
