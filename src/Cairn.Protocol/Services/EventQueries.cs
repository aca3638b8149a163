namespace Cairn.Protocol.Services;

/// <summary>A task (or model) and one of its metrics; no metric for all of them.</summary>
public sealed class TaskMetricDto
{
    public string? Task { get; set; }
    public string? Metric { get; set; }
}

/// <summary>
/// <c>events.debug_images</c> (2.7): the debug images of <c>iters</c> iterations per task and
/// metric, newest first; the answer's <c>scroll_id</c> goes on from there.
/// </summary>
public sealed class DebugImagesRequest
{
    public List<TaskMetricDto?>? Metrics { get; set; }
    public int? Iters { get; set; }
    public bool? NavigateEarlier { get; set; }
    public string? ScrollId { get; set; }
}
