namespace Cairn.Protocol.Services;

// The events.* reads the web UI makes. model_events: true reads a model's events instead of a task's.

/// <summary><c>events.get_task_log</c>: a page of a task's console log.</summary>
public sealed class GetTaskLogRequest
{
    public string? Task { get; set; }

    public int? BatchSize { get; set; }

    /// <summary>Page towards older lines (from <see cref="FromTimestamp"/>, or from the newest).</summary>
    public bool? NavigateEarlier { get; set; }

    /// <summary>Where the page starts, in milliseconds since the epoch (exclusive).</summary>
    public long? FromTimestamp { get; set; }
}

/// <summary><c>events.scalar_metrics_iter_histogram</c>: each scalar series, sampled.</summary>
public sealed class ScalarMetricsIterHistogramRequest
{
    public string? Task { get; set; }

    /// <summary>The x axis: <c>iter</c>, <c>timestamp</c> or <c>iso_time</c>.</summary>
    public string? Key { get; set; }

    public int? Samples { get; set; }

    public bool? ModelEvents { get; set; }
}

/// <summary><c>events.get_task_plots</c>: the latest iterations of each plot.</summary>
public sealed class GetTaskPlotsRequest
{
    public string? Task { get; set; }

    public int? Iters { get; set; }

    public string? ScrollId { get; set; }

    public bool? NoScroll { get; set; }

    public bool? ModelEvents { get; set; }
}
