using System.Text.Json.Nodes;
using Cairn.Protocol.Services;
using Cairn.Reporting;

namespace Cairn;

/// <summary>
/// Model reporting (ClearML's <c>report_*</c> on models): scalars and Plotly figures sent as model
/// events (<c>model_event: true</c>, the model id in <c>task</c>), batched in the background and
/// flushed when the model is closed. Reports are queued at once; sending failures surface from the
/// flush. Titles and series are sent unchanged; an iteration left out is 0, as in ClearML.
/// </summary>
public partial class Model
{
    /// <summary>The iteration ClearML gives single values (<c>report_single_value</c>).</summary>
    public const long SingleValueIteration = -2147483648;

    private EventBatcher? _reports;

    /// <summary>Reports one point of a scalar series (<c>training_stats_scalar</c>).</summary>
    /// <exception cref="InvalidOperationException">The model has no id yet.</exception>
    public void ReportScalar(string title, string series, double value, long iteration)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        Reports.Add(Event("training_stats_scalar", title, series, iteration) with { Value = value });
    }

    /// <summary>Reports a single value (metric <c>Summary</c>, iteration <see cref="SingleValueIteration"/>).</summary>
    /// <exception cref="InvalidOperationException">The model has no id yet.</exception>
    public void ReportSingleValue(string name, double value) => ReportScalar("Summary", name, value, SingleValueIteration);

    /// <summary>Reports a bar histogram of one row of values (a bar per value).</summary>
    /// <param name="title">The plot's title (metric).</param>
    /// <param name="series">The series (variant).</param>
    /// <param name="values">One bar per value.</param>
    /// <param name="iteration">The iteration; null for 0.</param>
    /// <param name="labels">Legend names, one per row.</param>
    /// <param name="xlabels">Labels of the x positions, one per value.</param>
    /// <param name="xaxis">The x axis title.</param>
    /// <param name="yaxis">The y axis title.</param>
    /// <param name="mode"><c>group</c> (null), <c>stack</c> or <c>relative</c>.</param>
    /// <param name="dataArgs">Plotly properties merged into every trace.</param>
    /// <param name="extraLayout">Plotly layout properties merged into the layout.</param>
    /// <exception cref="ArgumentException">The labels do not fit the values, or the mode is unknown.</exception>
    public void ReportHistogram(string title, string series, IReadOnlyList<double> values, long? iteration = null, IReadOnlyList<string>? labels = null,
        IReadOnlyList<string>? xlabels = null, string? xaxis = null, string? yaxis = null, string? mode = null, JsonObject? dataArgs = null, JsonObject? extraLayout = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ReportHistogram(title, series, [values], iteration, labels, xlabels, xaxis, yaxis, mode, dataArgs, extraLayout);
    }

    /// <summary>Reports a bar histogram with one bar group per row of <paramref name="values"/> (see the one-row overload).</summary>
    /// <exception cref="ArgumentException">The labels do not fit the values, or the mode is unknown.</exception>
    public void ReportHistogram(string title, string series, IReadOnlyList<IReadOnlyList<double>> values, long? iteration = null, IReadOnlyList<string>? labels = null,
        IReadOnlyList<string>? xlabels = null, string? xaxis = null, string? yaxis = null, string? mode = null, JsonObject? dataArgs = null, JsonObject? extraLayout = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(values);
        var figure = PlotlyCharts.Histogram(values, title, series, labels, xlabels, xaxis, yaxis, mode ?? "group", dataArgs, extraLayout);
        ReportPlot(title, series, figure, iteration);
    }

    /// <summary>Reports a vector as a histogram (ClearML's <c>report_vector</c> is the same plot).</summary>
    /// <exception cref="ArgumentException">The labels do not fit the values, or the mode is unknown.</exception>
    public void ReportVector(string title, string series, IReadOnlyList<double> values, long? iteration = null, IReadOnlyList<string>? labels = null,
        IReadOnlyList<string>? xlabels = null, string? xaxis = null, string? yaxis = null, string? mode = null, JsonObject? extraLayout = null) =>
        ReportHistogram(title, series, values, iteration, labels, xlabels, xaxis, yaxis, mode, null, extraLayout);

    /// <summary>
    /// Reports a table: either <paramref name="tablePlot"/>, a list of rows whose first row is the
    /// header, or <paramref name="csv"/>, a CSV file read as ClearML reads it (first column as the index).
    /// </summary>
    /// <exception cref="ArgumentException">Both or neither of <paramref name="tablePlot"/> and <paramref name="csv"/> are given.</exception>
    /// <exception cref="FileNotFoundException">The CSV file does not exist.</exception>
    public void ReportTable(string title, string series, IReadOnlyList<IReadOnlyList<object?>>? tablePlot = null, long? iteration = null, string? csv = null, JsonObject? extraLayout = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        if ((tablePlot is null) == (csv is null))
        {
            throw new ArgumentException("Give exactly one of tablePlot (rows, the first one the header) and csv (a file path).", tablePlot is null ? nameof(csv) : nameof(tablePlot));
        }
        JsonArray headers;
        JsonArray columns;
        if (tablePlot is not null)
        {
            headers = tablePlot.Count == 0 ? [] : new JsonArray([.. tablePlot[0].Select(PlotlyCharts.Cell)]);
            var width = tablePlot.Count == 0 ? 0 : tablePlot[0].Count;
            columns = new JsonArray([.. Enumerable.Range(0, width).Select(c =>
                (JsonNode)new JsonArray([.. tablePlot.Skip(1).Select(row => c < row.Count ? PlotlyCharts.Cell(row[c]) : null)]))]);
        }
        else
        {
            if (!File.Exists(csv))
            {
                throw new FileNotFoundException($"The CSV file '{csv}' does not exist.", csv);
            }
            (headers, columns) = CsvTable.Read(csv!);
        }
        ReportPlot(title, series, PlotlyCharts.Table(headers, columns, title, series, extraLayout), iteration);
    }

    /// <summary>Reports lines, one per <see cref="SeriesInfo"/>, in one plot (its series name is empty, as in ClearML).</summary>
    /// <exception cref="ArgumentException">A series' labels do not match its points.</exception>
    public void ReportLinePlot(string title, IReadOnlyList<SeriesInfo> series, string? xaxis = null, string? yaxis = null, string mode = "lines", long? iteration = null,
        bool reverseXAxis = false, string? comment = null, JsonObject? extraLayout = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        ReportPlot(title, "", PlotlyCharts.Lines(title, series, xaxis, yaxis, mode, reverseXAxis, comment, extraLayout), iteration);
    }

    /// <summary>Reports a 2D scatter of (x, y) points.</summary>
    /// <exception cref="ArgumentException">The labels do not match the points.</exception>
    public void ReportScatter2D(string title, string series, IReadOnlyList<(double X, double Y)> scatter, long? iteration = null, string? xaxis = null, string? yaxis = null,
        IReadOnlyList<string>? labels = null, string mode = "lines", string? comment = null, JsonObject? extraLayout = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(scatter);
        var figure = PlotlyCharts.Lines(title, [new SeriesInfo(series, scatter, labels)], xaxis, yaxis, mode, false, comment, extraLayout);
        ReportPlot(title, series, figure, iteration);
    }

    /// <summary>Reports a 3D scatter of (x, y, z) points.</summary>
    /// <param name="title">The plot's title (metric).</param>
    /// <param name="series">The series (variant).</param>
    /// <param name="scatter">The points.</param>
    /// <param name="iteration">The iteration; null for 0.</param>
    /// <param name="xaxis">The x axis title.</param>
    /// <param name="yaxis">The y axis title.</param>
    /// <param name="zaxis">The z axis title.</param>
    /// <param name="labels">Hover text per point.</param>
    /// <param name="mode"><c>markers</c>, <c>lines</c> or <c>lines+markers</c>.</param>
    /// <param name="fill">Accepted for ClearML's signature; ClearML ignores it too.</param>
    /// <param name="comment">A line under the title.</param>
    /// <param name="extraLayout">Plotly layout properties merged into the layout.</param>
    public void ReportScatter3D(string title, string series, IReadOnlyList<(double X, double Y, double Z)> scatter, long? iteration = null, string? xaxis = null, string? yaxis = null,
        string? zaxis = null, IReadOnlyList<string>? labels = null, string mode = "markers", bool fill = false, string? comment = null, JsonObject? extraLayout = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(scatter);
        _ = fill;
        // ClearML names the trace only when several series are given at once; a single one is unnamed.
        var figure = PlotlyCharts.Scatter3D(title, null, scatter, xaxis, yaxis, zaxis, labels, mode, comment, extraLayout);
        ReportPlot(title, series, figure, iteration);
    }

    /// <summary>Reports a confusion matrix (a heat map; rows of <paramref name="matrix"/> are y, columns x).</summary>
    public void ReportConfusionMatrix(string title, string series, IReadOnlyList<IReadOnlyList<double>> matrix, long? iteration = null, string? xaxis = null, string? yaxis = null,
        IReadOnlyList<string>? xlabels = null, IReadOnlyList<string>? ylabels = null, bool yaxisReversed = false, string? comment = null, JsonObject? extraLayout = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(matrix);
        ReportPlot(title, series, PlotlyCharts.Heatmap(matrix, title, series, xlabels, ylabels, xaxis, yaxis, yaxisReversed, comment, extraLayout), iteration);
    }

    /// <summary>Reports a 3D surface of <paramref name="matrix"/>; <paramref name="camera"/> is the eye position.</summary>
    public void ReportSurface(string title, string series, IReadOnlyList<IReadOnlyList<double>> matrix, long? iteration = null, string? xaxis = null, string? yaxis = null,
        string? zaxis = null, IReadOnlyList<string>? xlabels = null, IReadOnlyList<string>? ylabels = null, (double X, double Y, double Z)? camera = null,
        string? comment = null, JsonObject? extraLayout = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(matrix);
        var figure = PlotlyCharts.Surface(matrix, title + "/" + series, series, xlabels, ylabels, xaxis, yaxis, zaxis, camera, comment, extraLayout);
        ReportPlot(title, series, figure, iteration);
    }

    /// <summary>Sends every queued report; throws the first sending failure since the last flush.</summary>
    internal Task FlushReportsAsync(CancellationToken cancellationToken) =>
        _reports?.FlushAsync(cancellationToken) ?? Task.CompletedTask;

    private EventBatcher Reports
    {
        get
        {
            if (_reports is null)
            {
                Interlocked.CompareExchange(ref _reports, new EventBatcher(Session), null);
            }
            return _reports;
        }
    }

    private void ReportPlot(string title, string series, JsonObject figure, long? iteration)
    {
        Reports.Add(Event("plot", title, series, iteration ?? 0) with { PlotStr = figure.ToJsonString() });
    }

    private ReportEventDto Event(string type, string title, string series, long iteration)
    {
        if (string.IsNullOrEmpty(Id))
        {
            throw new InvalidOperationException("The model has no id yet: report on it once it exists on the server.");
        }
        return new ReportEventDto
        {
            Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Type = type,
            Task = Id,
            Iter = iteration,
            Metric = title,
            Variant = series,
            AllowLocked = false,
            ModelEvent = true,
        };
    }
}
