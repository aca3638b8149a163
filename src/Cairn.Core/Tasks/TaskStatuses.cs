namespace Cairn.Core.Tasks;

/// <summary>Task statuses and the transitions ClearML allows without <c>force</c> (api.md §5.2).</summary>
public static class TaskStatuses
{
    public const string Created = "created";
    public const string Queued = "queued";
    public const string InProgress = "in_progress";
    public const string Stopped = "stopped";
    public const string Published = "published";
    public const string Publishing = "publishing";
    public const string Closed = "closed";
    public const string Failed = "failed";
    public const string Completed = "completed";
    public const string Unknown = "unknown";

    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        [Created] = [Queued, InProgress],
        [Queued] = [Created, InProgress, Stopped],
        [InProgress] = [Stopped, Failed, Created, Completed],
        [Stopped] = [Closed, Created, Failed, Queued, InProgress, Published, Publishing, Completed],
        [Closed] = [Created, Failed, Published, Publishing, Stopped],
        [Failed] = [Created, Stopped, Published, Queued],
        [Publishing] = [Published],
        [Published] = [],
        [Completed] = [Published, InProgress, Created],
    };

    /// <summary>Whether <paramref name="from"/> may become <paramref name="to"/>; staying put is always allowed.</summary>
    public static bool CanChange(string from, string to) =>
        from == to || (Allowed.TryGetValue(from, out var targets) && targets.Contains(to));
}

/// <summary>What the models service needs to know about a task.</summary>
public sealed record TaskInfo(
    string Id,
    string Company,
    string Name,
    string Status,
    string? Project,
    long LastIteration);

/// <summary>A status change to write with compare-and-set on the old status.</summary>
public sealed record TaskStatusChange(
    string ExpectedStatus,
    string NewStatus,
    string? Reason,
    string? Message,
    DateTimeOffset Now,
    string User)
{
    /// <summary>Sets <c>started</c> to <see cref="Now"/> unless an earlier start is recorded.</summary>
    public bool MarkStarted { get; init; }

    /// <summary>Sets <c>completed</c> to <see cref="Now"/>.</summary>
    public bool MarkCompleted { get; init; }
}

/// <summary>An entry of a task's <c>models.input</c> or <c>models.output</c> list.</summary>
public sealed record TaskModelItem(string Name, string Model, DateTimeOffset Updated);
