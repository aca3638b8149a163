using Cairn.Models;
using Cairn.Protocol.Services;

namespace Cairn;

/// <remarks>
/// <para>
/// <c>await using var experiment = await Experiment.InitAsync(…)</c> closes the experiment when the
/// scope ends: it waits for this experiment's model uploads, flushes artifacts and model reports,
/// and marks the task completed. C#'s <c>await using</c> cannot see an exception leaving the
/// scope (DisposeAsync runs the same way in both cases), so a failed run must say so:
/// call <see cref="MarkFailedAsync"/> in a <c>catch</c>, or run the body through
/// <see cref="RunAsync"/>, which does that. The experiment then ends <c>failed</c> instead of
/// <c>completed</c>. A failed upload found while closing also marks it failed and is thrown.
/// </para>
/// </remarks>
public sealed partial class Experiment : IAsyncDisposable
{
    private bool _closed;

    private bool _failed;

    /// <summary>Whether <see cref="MarkFailedAsync"/> was called (or closing found a failed upload).</summary>
    public bool IsFailed => _failed;

    /// <summary>
    /// Runs <paramref name="body"/>; if it throws, the experiment is marked failed with the
    /// exception's message and the exception is rethrown. Either way the experiment is closed.
    /// </summary>
    /// <exception cref="ModelUploadException">A model upload failed while closing.</exception>
    public async Task RunAsync(Func<Experiment, CancellationToken, Task> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            await body(this, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await MarkFailedAsync(e, CancellationToken.None).ConfigureAwait(false);
            await CloseAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        await CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks the experiment failed (<c>tasks.failed</c>) with <paramref name="exception"/>'s type
    /// and message as the status message; closing it afterwards still waits for its uploads but
    /// leaves it failed.
    /// </summary>
    /// <exception cref="ClearMLRequestException">The server refused.</exception>
    public async Task MarkFailedAsync(Exception? exception = null, CancellationToken cancellationToken = default)
    {
        if (_failed)
        {
            return;
        }
        var message = exception is null ? "failed" : $"{exception.GetType().Name}: {exception.Message}";
        await Session.CallAsync("tasks.failed", new TaskStatusRequest
        {
            Task = Id,
            Force = true,
            StatusReason = exception is null ? "failed" : "exception",
            StatusMessage = message.Length > 500 ? message[..500] : message,
        }, cancellationToken).ConfigureAwait(false);
        _failed = true;
    }

    /// <summary>
    /// Waits for this experiment's model uploads, flushes its artifacts and model reports, and
    /// marks it completed (<c>tasks.completed</c>), unless it was marked failed. Calling it again does nothing.
    /// </summary>
    /// <exception cref="ModelUploadException">A model upload failed; the experiment is marked failed.</exception>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (_closed)
        {
            return;
        }
        StopBeingCurrent();
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _closed = true;
            await MarkFailedAsync(e, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        _closed = true;
        if (!_failed)
        {
            await Session.CallAsync("tasks.completed", new TaskStatusRequest
            {
                Task = Id,
                Force = false,
                StatusReason = "completed",
                Publish = false,
            }, cancellationToken).ConfigureAwait(false);
        }
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the experiment (see <see cref="CloseAsync"/>); a failed upload is thrown from here too, never lost.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>Waits for this experiment's model uploads and flushes its artifacts and model reports, leaving it open.</summary>
    /// <exception cref="ModelUploadException">A model upload failed.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await WaitForPendingWorkAsync(cancellationToken).ConfigureAwait(false);
        await Session.Uploads.WaitAsync(null, null, u => u.ExperimentId == Id, cancellationToken).ConfigureAwait(false);
        await FlushOthersAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushOthersAsync(CancellationToken cancellationToken)
    {
        await FlushArtifactsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var model in TouchedModels())
        {
            await model.FlushReportsAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
