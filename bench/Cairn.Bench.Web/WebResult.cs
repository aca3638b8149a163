namespace Cairn.Bench.Web;

/// <summary>Everything the report needs.</summary>
internal sealed class WebResult(WebBenchOptions options, int modelCount, TimeSpan? fill, string loadAverage)
{
    public WebBenchOptions Options { get; } = options;

    public int ModelCount { get; } = modelCount;

    /// <summary>How long filling the store took; null when a kept store was reused.</summary>
    public TimeSpan? Fill { get; } = fill;

    public string LoadAverage { get; } = loadAverage;

    public string BrowserVersion { get; set; } = "";

    public List<FilterStep> Queries { get; } = [];

    public NavigationFigures? FirstAfterStart { get; set; }

    public List<NavigationFigures> Cold { get; } = [];

    public List<NavigationFigures> Warm { get; } = [];

    public int NavigationRowsDiffer { get; set; }

    public Timings Frameworks { get; set; } = new();

    public Timings Projects { get; set; } = new();

    public Timings Tags { get; set; } = new();

    public double ServerRssMiB { get; set; }
}
