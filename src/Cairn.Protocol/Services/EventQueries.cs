namespace Cairn.Protocol.Services;

/// <summary>
/// <c>events.get_task_log</c>: a page of a task's console. With <c>navigate_earlier</c> (the
/// default) the lines before <c>from_timestamp</c>, newest first; without it those after, oldest first.
/// </summary>
public sealed class GetTaskLogRequest
{
    public string? Task { get; set; }
    public int? BatchSize { get; set; }
    public bool? NavigateEarlier { get; set; }

    /// <summary>Epoch milliseconds; the page starts past it.</summary>
    public long? FromTimestamp { get; set; }
}
