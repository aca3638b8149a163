using Cairn.Storage;

namespace Cairn.Models;

/// <summary>Forwards transfer progress and notes whether a transfer happened at all (a cache hit reports none).</summary>
internal sealed class DownloadWatch(IProgress<TransferProgress>? inner) : IProgress<TransferProgress>
{
    public bool Transferred { get; private set; }

    public void Report(TransferProgress value)
    {
        Transferred = true;
        inner?.Report(value);
    }
}
