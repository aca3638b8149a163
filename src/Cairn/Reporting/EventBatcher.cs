using System.Collections.Concurrent;
using System.Text.Json;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Session;
using Microsoft.Extensions.Logging;

namespace Cairn.Reporting;

/// <summary>
/// Sends events in the background with <c>events.add_batch</c>, as ClearML's reporter does: every
/// 5 seconds or once 100 events wait, whichever comes first. The queue is bounded and never blocks
/// a reporting thread: when the server cannot keep up, the oldest waiting event is dropped with a
/// logged warning. Failed batches are logged and surface from <see cref="FlushAsync"/>.
/// </summary>
internal sealed partial class EventBatcher
{
    public const int Capacity = 10_000;

    public const int FlushThreshold = 100;

    /// <summary>Events per request: well under the 15 MiB body limit for plots of ordinary size.</summary>
    private const int MaxBatch = 500;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly ClearMLSession _session;

    private readonly ILogger _logger;

    private readonly Queue<ReportEventDto> _queue = new();

    private readonly Lock _gate = new();

    private readonly SemaphoreSlim _sendLock = new(1, 1);

    private readonly SemaphoreSlim _wake = new(0);

    private readonly ConcurrentQueue<Exception> _errors = new();

    private Task? _loop;

    public EventBatcher(ClearMLSession session)
    {
        _session = session;
        _logger = session.LoggerFactory.CreateLogger<EventBatcher>();
    }

    /// <summary>Queues an event (dropping the oldest waiting one when the queue is full); starts the background sender when none runs.</summary>
    public void Add(ReportEventDto item)
    {
        lock (_gate)
        {
            if (_queue.Count >= Capacity)
            {
                _queue.Dequeue();
                QueueFull(_logger, Capacity);
            }
            _queue.Enqueue(item);
            if (_queue.Count == FlushThreshold)
            {
                _wake.Release();
            }
            if (_loop is null)
            {
                _loop = Task.Run(RunAsync);
            }
        }
    }

    /// <summary>Sends everything queued so far, then throws the first failure since the last flush (if any).</summary>
    /// <exception cref="ClearMLRequestException">A batch was refused or could not be sent.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await SendQueuedAsync(cancellationToken).ConfigureAwait(false);
        var failures = new List<Exception>();
        while (_errors.TryDequeue(out var error))
        {
            failures.Add(error);
        }
        if (failures.Count == 1)
        {
            throw failures[0];
        }
        if (failures.Count > 1)
        {
            throw new AggregateException($"{failures.Count} report batches failed.", failures);
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            // The session's clock times the interval, so a test can move it.
            using (var interval = new CancellationTokenSource(Interval, _session.Time))
            {
                try
                {
                    await _wake.WaitAsync(interval.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The interval passed: send what is queued.
                }
            }
            await SendQueuedAsync(CancellationToken.None).ConfigureAwait(false);
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _loop = null;
                    return;
                }
            }
        }
    }

    private async Task SendQueuedAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                // Cancelling a flush stops it between batches: a batch once taken is always sent
                // (its call is bounded by the retry deadline), so cancelling never loses events.
                cancellationToken.ThrowIfCancellationRequested();
                var batch = new List<ReportEventDto>();
                lock (_gate)
                {
                    while (batch.Count < MaxBatch && _queue.TryDequeue(out var item))
                    {
                        batch.Add(item);
                    }
                }
                if (batch.Count == 0)
                {
                    return;
                }
                try
                {
                    var data = await _session.CallBatchAsync("events.add_batch", batch, ClearmlJson.TypeInfo<ReportEventDto>(), CancellationToken.None).ConfigureAwait(false);
                    var result = data.Deserialize(ClearmlJson.TypeInfo<AddBatchResponse>());
                    if (result is { Errors: > 0 and var refused })
                    {
                        throw new ClearMLRequestException("events.add_batch", 200, 0,
                            $"{refused} of {batch.Count} events were refused: {result.ErrorsInfo?.ToJsonString()}", null);
                    }
                }
                catch (Exception e)
                {
                    BatchFailed(_logger, batch.Count, e.Message);
                    _errors.Enqueue(e);
                }
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Capacity} model reports are waiting to be sent: the oldest was dropped (the server is not keeping up)")]
    private static partial void QueueFull(ILogger logger, int capacity);

    [LoggerMessage(LogLevel.Warning, "A batch of {Count} model reports was not stored: {Reason}")]
    private static partial void BatchFailed(ILogger logger, int count, string reason);
}
