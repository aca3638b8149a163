namespace Cairn.Reporting;

/// <summary>One line of <see cref="Model.ReportLinePlot"/>: its name, (x, y) points and optional per-point labels.</summary>
/// <param name="Name">The line's name in the legend.</param>
/// <param name="Data">The points, in drawing order.</param>
/// <param name="Labels">Hover text per point (as many as points), or null.</param>
public sealed record SeriesInfo(string Name, IReadOnlyList<(double X, double Y)> Data, IReadOnlyList<string>? Labels = null);
