using System.Runtime.CompilerServices;

namespace Cairn.Models;

/// <summary>
/// One client's background weights uploads (each <see cref="Session.ClearMLSession"/> owns one).
/// As in ClearML's SDK they run one at a time in the order they were asked for (so two updates of
/// one model land in order), a caller with two uploads already waiting is held back, and a failure
/// is kept until someone waits for it. The static <see cref="WaitAllAsync"/> waits across every
/// queue of the process, for the process-wide <see cref="OutputModel.WaitForUploadsAsync"/>.
/// </summary>
internal sealed class UploadQueue
{
    /// <summary>How many uploads may wait before <see cref="WaitForRoomAsync"/> holds the caller.</summary>
    public const int MaxPending = 2;

    // Every queue alive in the process (weakly held: a dropped session takes its queue with it).
    private static readonly ConditionalWeakTable<UploadQueue, object?> Live = [];

    // Orders uploads across queues, so "the oldest N" means the same for one queue and for all.
    private static long _sequence;

    private readonly Lock _entriesLock = new();

    private readonly List<PendingUpload> _entries = [];

    /// <summary>The last upload asked for; the next one starts when it ends (guarded by <see cref="_entriesLock"/>).</summary>
    private Task _tail = Task.CompletedTask;

    public UploadQueue() => Live.AddOrUpdate(this, null);

    /// <summary>One upload: its model, planned URL, experiment and outcome.</summary>
    public sealed record PendingUpload(string ModelId, string Url, string ExperimentId, Task Completion)
    {
        internal long Sequence { get; init; }

        internal UploadQueue? Queue { get; init; }
    }

    /// <summary>
    /// Starts <paramref name="upload"/> behind the ones already queued; it gets
    /// <paramref name="cancellationToken"/> (the caller's), which also cancels it before it starts.
    /// </summary>
    public PendingUpload Enqueue(string modelId, string url, string experimentId, Func<CancellationToken, Task> upload, CancellationToken cancellationToken = default)
    {
        PendingUpload entry;
        lock (_entriesLock)
        {
            // Chained under the lock: the order uploads run in is the order they were asked for,
            // not the order the thread pool happens to resume them in.
            var completion = RunAfterAsync(_tail, upload, cancellationToken);
            _tail = completion;
            entry = new PendingUpload(modelId, url, experimentId, completion) { Sequence = Interlocked.Increment(ref _sequence), Queue = this };
            _entries.Add(entry);
        }
        // Successful uploads leave the list on their own; failures stay until they are waited for.
        _ = entry.Completion.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                Remove(entry);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return entry;
    }

    /// <summary>Uploads that have not finished yet.</summary>
    public int PendingCount
    {
        get
        {
            lock (_entriesLock)
            {
                return _entries.Count(e => !e.Completion.IsCompleted);
            }
        }
    }

    /// <summary>Waits while <see cref="MaxPending"/> or more uploads have not finished (errors are left for <see cref="WaitAsync"/>).</summary>
    public async Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task[] running;
            lock (_entriesLock)
            {
                running = [.. _entries.Where(e => !e.Completion.IsCompleted).Select(e => e.Completion)];
            }
            if (running.Length < MaxPending)
            {
                return;
            }
            await Task.WhenAny(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the oldest <paramref name="maxNumUploads"/> (all when null) uploads of this queue
    /// that <paramref name="belongs"/> selects, then throws the failures among them (each reported once).
    /// </summary>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> passed first; the uploads go on.</exception>
    /// <exception cref="ModelUploadException">An upload failed (several: <see cref="AggregateException"/>).</exception>
    public Task WaitAsync(TimeSpan? timeout, int? maxNumUploads, Func<PendingUpload, bool> belongs, CancellationToken cancellationToken) =>
        WaitForAsync([.. Snapshot().Where(belongs).Take(maxNumUploads ?? int.MaxValue)], timeout, cancellationToken);

    /// <summary>As <see cref="WaitAsync"/>, over the uploads of every queue in the process, oldest first.</summary>
    public static Task WaitAllAsync(TimeSpan? timeout, int? maxNumUploads, CancellationToken cancellationToken)
    {
        var all = Live.SelectMany(pair => pair.Key.Snapshot()).OrderBy(e => e.Sequence).Take(maxNumUploads ?? int.MaxValue).ToList();
        return WaitForAsync(all, timeout, cancellationToken);
    }

    private List<PendingUpload> Snapshot()
    {
        lock (_entriesLock)
        {
            return [.. _entries];
        }
    }

    private void Remove(PendingUpload entry)
    {
        lock (_entriesLock)
        {
            _entries.Remove(entry);
        }
    }

    private static async Task WaitForAsync(List<PendingUpload> waited, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var all = Task.WhenAll(waited.Select(e => e.Completion));
        try
        {
            await (timeout is { } t ? all.WaitAsync(t, cancellationToken) : all.WaitAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{waited.Count(e => !e.Completion.IsCompleted)} model upload(s) were still running after {timeout}.");
        }
        catch (Exception) when (all.IsCompleted)
        {
            // Failures are gathered below, once per upload.
        }
        foreach (var entry in waited)
        {
            entry.Queue?.Remove(entry);
        }
        var failures = waited.Where(e => e.Completion.IsFaulted || e.Completion.IsCanceled)
            .Select(e => e.Completion.IsCanceled ? new TaskCanceledException(e.Completion) : e.Completion.Exception!.InnerException ?? e.Completion.Exception!)
            .ToList();
        if (failures.Count == 1)
        {
            throw failures[0];
        }
        if (failures.Count > 1)
        {
            throw new AggregateException($"{failures.Count} model uploads failed.", failures);
        }
    }

    private static async Task RunAfterAsync(Task previous, Func<CancellationToken, Task> upload, CancellationToken cancellationToken)
    {
        await Task.Yield(); // The caller gets its planned URL back before the upload starts.
        // The previous upload's failure is its own; it is reported to whoever waits for it.
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await upload(cancellationToken).ConfigureAwait(false);
    }
}
