using Microsoft.AspNetCore.Connections;

namespace Cairn.Server.Hosting;

/// <summary>
/// Gives back the memory a large transfer leaves behind. A 1 GiB upload or download grows the GC
/// heap's free space and Kestrel's block pool, and the workstation GC keeps both committed for
/// the next one (measured: idle 117 MiB, 134–138 MiB after one upload and download, unchanged 30 s
/// later). Once no large transfer has ended for <see cref="Quiet"/>, the pool drops its free
/// blocks and one aggressive collection decommits the heap's free space: a blocking GC of a
/// small heap, a few milliseconds, at most once per quiet spell.
/// </summary>
public sealed class MemoryTrimmer : IDisposable
{
    /// <summary>Transfers smaller than this leave too little behind to be worth a collection.</summary>
    public const long Threshold = 64L << 20;

    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan AfterStartup = TimeSpan.FromSeconds(2);

    private readonly Timer _timer;
    private readonly LargeBlockMemoryPoolFactory? _pools;

    public MemoryTrimmer(IMemoryPoolFactory<byte> pools)
    {
        _pools = pools as LargeBlockMemoryPoolFactory;
        _timer = new Timer(_ => Trim(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Notes a transfer of <paramref name="bytes"/> that just ended; a large one schedules a trim once things are quiet.</summary>
    public void TransferEnded(long bytes)
    {
        if (bytes >= Threshold)
        {
            // Each large transfer pushes the trim back: a series of them is trimmed once, after the last.
            _timer.Change(Quiet, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Schedules one trim <see cref="AfterStartup"/> after the host has started: configuration,
    /// dependency injection, the first compilations and requests leave garbage behind, and a
    /// quiet server would keep it committed until its next collection (measured: see
    /// docs/benchmarks.md, "Start-up and memory").
    /// </summary>
    public void StartupEnded() => _timer.Change(AfterStartup, Timeout.InfiniteTimeSpan);

    private void Trim()
    {
        _pools?.TrimAll();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    public void Dispose() => _timer.Dispose();
}
