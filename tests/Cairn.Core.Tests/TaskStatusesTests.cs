using Cairn.Core.Tasks;
using Xunit;

namespace Cairn.Core.Tests;

/// <summary><see cref="TaskStatuses.CanChange"/>: the status machine of api.md §5.2.</summary>
public sealed class TaskStatusesTests
{
    /// <summary>The transitions of api.md §5.2, copied from the spec rather than from the code.</summary>
    private static readonly Dictionary<string, string[]> Spec = new()
    {
        ["created"] = ["queued", "in_progress"],
        ["queued"] = ["created", "in_progress", "stopped"],
        ["in_progress"] = ["stopped", "failed", "created", "completed"],
        ["stopped"] = ["closed", "created", "failed", "queued", "in_progress", "published", "publishing", "completed"],
        ["closed"] = ["created", "failed", "published", "publishing", "stopped"],
        ["failed"] = ["created", "stopped", "published", "queued"],
        ["publishing"] = ["published"],
        ["published"] = [],
        ["completed"] = ["published", "in_progress", "created"],
    };

    private static readonly string[] Statuses =
        ["created", "queued", "in_progress", "stopped", "published", "publishing", "closed", "failed", "completed", "unknown"];

    public static TheoryData<string, string, bool> EveryPair()
    {
        var pairs = new TheoryData<string, string, bool>();
        foreach (var from in Statuses)
        {
            foreach (var to in Statuses)
            {
                var allowed = from == to || (Spec.TryGetValue(from, out var targets) && targets.Contains(to));
                pairs.Add(from, to, allowed);
            }
        }
        return pairs;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Every_transition_is_allowed_exactly_when_the_spec_lists_it(string from, string to, bool allowed)
    {
        Assert.Equal(allowed, TaskStatuses.CanChange(from, to));
    }

    [Fact]
    public void A_published_task_cannot_change_to_any_other_status()
    {
        Assert.All(Statuses.Where(s => s != "published"), to => Assert.False(TaskStatuses.CanChange("published", to)));
    }

    [Fact]
    public void Staying_in_the_same_status_is_always_allowed()
    {
        Assert.All(Statuses, status => Assert.True(TaskStatuses.CanChange(status, status)));
    }

    [Fact]
    public void A_created_task_cannot_skip_straight_to_completed_or_published()
    {
        Assert.False(TaskStatuses.CanChange("created", "completed"));
        Assert.False(TaskStatuses.CanChange("created", "published"));
        Assert.False(TaskStatuses.CanChange("in_progress", "published"));
    }

    [Fact]
    public void The_constants_are_the_wire_names()
    {
        string[] constants =
            [
                TaskStatuses.Created, TaskStatuses.Queued, TaskStatuses.InProgress, TaskStatuses.Stopped, TaskStatuses.Published,
                TaskStatuses.Publishing, TaskStatuses.Closed, TaskStatuses.Failed, TaskStatuses.Completed, TaskStatuses.Unknown,
            ];

        Assert.Equal(Statuses, constants);
    }

    [Fact]
    public void Statuses_are_compared_exactly()
    {
        Assert.False(TaskStatuses.CanChange("Created", "queued"));
        Assert.False(TaskStatuses.CanChange("created", "Queued"));
    }
}
