using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cairn.Server.Hosting;

/// <summary>
/// Kestrel's memory, sized for file transfers. Kestrel's own pool hands the socket 4 KiB blocks,
/// so a 1 GiB upload costs about 260,000 receive calls, each followed by a pipe flush and a
/// wake-up of the reader; blocks of <see cref="LargeBlockMemoryPool.BlockSize"/> let one receive
/// take what the kernel has queued (measured: 2.3–2.9 s of server CPU per GiB down to 1.5–1.7 s).
/// Larger request and response buffer limits were measured too and made no difference.
/// </summary>
public static class KestrelTuning
{
    /// <summary>Replaces Kestrel's memory pool (4 KiB blocks) with <see cref="LargeBlockMemoryPool"/>, for the transport and the connections.</summary>
    public static void AddMemoryPool(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>());
}

/// <summary>Creates <see cref="LargeBlockMemoryPool"/>s for Kestrel's transport and connections.</summary>
public sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    // Weak: a pool Kestrel has let go of is not kept alive for trimming.
    private readonly List<WeakReference<LargeBlockMemoryPool>> _pools = [];

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new LargeBlockMemoryPool();
        lock (_pools)
        {
            _pools.RemoveAll(p => !p.TryGetTarget(out _));
            _pools.Add(new WeakReference<LargeBlockMemoryPool>(pool));
        }
        return pool;
    }

    /// <summary>Drops the free blocks of every pool this factory made (<see cref="MemoryTrimmer"/>).</summary>
    public void TrimAll()
    {
        lock (_pools)
        {
            foreach (var reference in _pools)
            {
                if (reference.TryGetTarget(out var pool))
                {
                    pool.Trim();
                }
            }
        }
    }
}

/// <summary>
/// A pool of pinned blocks of one size. Pinned (on the pinned object heap) because the socket
/// pins every receive buffer anyway; blocks beyond <see cref="MaxRetained"/> are left to the GC,
/// so a burst of connections does not keep its memory.
/// </summary>
public sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;
    private const int MaxRetained = 256;

    private readonly ConcurrentQueue<byte[]> _free = new();
    private bool _disposed;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        return new Lease(this, _free.TryDequeue(out var block) ? block : GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
    }

    /// <summary>Lets the GC have the free blocks; blocks in use come back to the pool as usual.</summary>
    public void Trim()
    {
        while (_free.TryDequeue(out _))
        {
        }
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    private void Return(byte[] block)
    {
        if (!_disposed && _free.Count < MaxRetained)
        {
            _free.Enqueue(block);
        }
    }

    /// <summary>
    /// One rent of a block. Each rent gets its own lease object, so a caller that disposes its
    /// owner twice can only return the block once: when the block was the owner itself, a late
    /// second dispose returned a block another connection had rented meanwhile, and two
    /// connections then shared one buffer. (The request bodies seen starting with another call's
    /// "GET" were not this: they were two processes writing to one socket, see <see cref="ForkingClients"/>.)
    /// </summary>
    private sealed class Lease(LargeBlockMemoryPool pool, byte[] block) : IMemoryOwner<byte>
    {
        private byte[]? _block = block;

        public Memory<byte> Memory => _block ?? throw new ObjectDisposedException(nameof(LargeBlockMemoryPool));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _block, null) is { } returned)
            {
                pool.Return(returned);
            }
        }
    }
}
