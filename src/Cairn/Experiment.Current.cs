namespace Cairn;

/// <remarks>
/// Hooks for framework integrations (Cairn.Integrations.*), which log what a framework saves and
/// loads on the experiment that is running, as ClearML's <c>Task.current_task()</c> lets its
/// framework patches do.
/// </remarks>
public sealed partial class Experiment
{
    private static Experiment? _current;

    private readonly Lock _pendingLock = new();

    private readonly List<Task> _pendingWork = [];

    /// <summary>
    /// The experiment this process started last with <c>InitAsync</c> and has not closed
    /// yet, as ClearML's <c>Task.current_task()</c>; null when none is running. Experiments opened
    /// with <see cref="GetAsync"/> never become current.
    /// </summary>
    public static Experiment? Current => Volatile.Read(ref _current);

    /// <summary>
    /// Makes <see cref="FlushAsync"/> and <see cref="CloseAsync"/> wait for <paramref name="work"/>
    /// (a framework integration's registration of a model it saw saved or loaded) before they
    /// wait for uploads, so work started before closing is never cut off. The work's own failure
    /// is not thrown from here: the integration reports it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    public void TrackPendingWork(Task work)
    {
        ArgumentNullException.ThrowIfNull(work);
        lock (_pendingLock)
        {
            _pendingWork.RemoveAll(t => t.IsCompleted);
            _pendingWork.Add(work);
        }
    }

    internal void BecomeCurrent() => Volatile.Write(ref _current, this);

    internal void StopBeingCurrent() => Interlocked.CompareExchange(ref _current, null, this);

    private async Task WaitForPendingWorkAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task[] pending;
            lock (_pendingLock)
            {
                pending = [.. _pendingWork];
                _pendingWork.Clear();
            }
            if (pending.Length == 0)
            {
                return;
            }
            // Work may track more work while it runs (a load that then saves): loop until none is left.
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
