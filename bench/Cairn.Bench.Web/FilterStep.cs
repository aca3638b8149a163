using Cairn.Web.Models;

namespace Cairn.Bench.Web;

/// <summary>One view of the table: how the bench reaches it, the rows it must show and what was measured.</summary>
internal sealed class FilterStep(string name, string tag, ModelTableState state)
{
    public string Name { get; } = name;

    /// <summary>The tag option clicked to reach this view from the previous one.</summary>
    public string Tag { get; } = tag;

    public ModelTableState State { get; } = state;

    public List<string> ExpectedIds { get; set; } = [];

    public List<ClickFigures> Clicks { get; } = [];

    public List<SocketTraffic.Snapshot> Frames { get; } = [];

    public Timings Api { get; set; } = new();

    /// <summary>Server CPU time (user + system, 10 ms resolution) from the click until the rows were shown.</summary>
    public Timings ClickServerCpu { get; } = new();

    /// <summary>Server CPU time per API call, averaged over the calls of <see cref="Api"/>.</summary>
    public double ApiServerCpuPerCall { get; set; } = double.NaN;

    public bool? UrlMatches { get; set; }

    public string? Url { get; set; }
}
