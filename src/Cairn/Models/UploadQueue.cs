namespace Cairn.Models;

/// <summary>
/// The process's background weights uploads. As in ClearML's SDK they run one at a time in the
/// order they were asked for (so two updates of one model land in order), a caller with two
/// uploads already waiting is held back, and a failure is kept until someone waits for it.
/// </summary>
internal static class UploadQueue
{
    /// <summary>How many uploads may wait before <see cref="WaitForRoomAsync"/> holds the caller.</summary>
    public const int MaxPending = 2;

    private static readonly Lock EntriesLock = new();

    /// <summary>The last upload asked for; the next one starts when it ends (guarded by <see cref="EntriesLock"/>).</summary>
    private static Task tail = Task.CompletedTask;

    private static readonly List<PendingUpload> Entries = [];

    /// <summary>One upload: its model, planned URL, experiment and outcome.</summary>
    public sealed record PendingUpload(string ModelId, string Url, string ExperimentId, Task Completion);

    /// <summary>Starts <paramref name="upload"/> behind the ones already queued.</summary>
    public static PendingUpload Enqueue(string modelId, string url, string experimentId, Func<Task> upload)
    {
        PendingUpload entry;
        Task completion;
        lock (EntriesLock)
        {
            // Chained under the lock: the order uploads run in is the order they were asked for,
            // not the order the thread pool happens to resume them in.
            completion = RunAfterAsync(tail, upload);
            tail = completion;
            entry = new PendingUpload(modelId, url, experimentId, completion);
            Entries.Add(entry);
        }
        // Successful uploads leave the list on their own; failures stay until they are waited for.
        _ = completion.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                lock (EntriesLock)
                {
                    Entries.Remove(entry);
                }
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return entry;
    }

    /// <summary>Uploads that have not finished yet.</summary>
    public static int PendingCount
    {
        get
        {
            lock (EntriesLock)
            {
                return Entries.Count(e => !e.Completion.IsCompleted);
            }
        }
    }

    /// <summary>Waits while <see cref="MaxPending"/> or more uploads have not finished (errors are left for <see cref="WaitAsync"/>).</summary>
    public static async Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task[] running;
            lock (EntriesLock)
            {
                running = [.. Entries.Where(e => !e.Completion.IsCompleted).Select(e => e.Completion)];
            }
            if (running.Length < MaxPending)
            {
                return;
            }
            await Task.WhenAny(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the oldest <paramref name="maxNumUploads"/> (all when null) uploads that
    /// <paramref name="belongs"/> selects, then throws the failures among them (each reported once).
    /// </summary>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> passed first; the uploads go on.</exception>
    /// <exception cref="ModelUploadException">An upload failed (several: <see cref="AggregateException"/>).</exception>
    public static async Task WaitAsync(TimeSpan? timeout, int? maxNumUploads, Func<PendingUpload, bool> belongs, CancellationToken cancellationToken)
    {
        List<PendingUpload> waited;
        lock (EntriesLock)
        {
            waited = [.. Entries.Where(belongs).Take(maxNumUploads ?? int.MaxValue)];
        }
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
        lock (EntriesLock)
        {
            foreach (var entry in waited)
            {
                Entries.Remove(entry);
            }
        }
        var failures = waited.Where(e => e.Completion.IsFaulted)
            .Select(e => e.Completion.Exception!.InnerException ?? e.Completion.Exception)
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

    private static async Task RunAfterAsync(Task previous, Func<Task> upload)
    {
        await Task.Yield(); // The caller gets its planned URL back before the upload starts.
        // The previous upload's failure is its own; it is reported to whoever waits for it.
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await upload().ConfigureAwait(false);
    }
}
