using System.Globalization;

namespace Cairn.Bench.Web;

/// <summary>Millisecond samples of one measured case, with the median and p90 (nearest rank) the report shows.</summary>
internal sealed class Timings
{
    private readonly List<double> _samples = [];

    public int Count => _samples.Count;

    public double Median => Percentile(0.5);

    public double P90 => Percentile(0.9);

    public double Min => _samples.Count == 0 ? double.NaN : _samples.Min();

    public double Max => _samples.Count == 0 ? double.NaN : _samples.Max();

    public void Add(double milliseconds) => _samples.Add(milliseconds);

    public double Percentile(double fraction)
    {
        if (_samples.Count == 0)
        {
            return double.NaN;
        }
        var sorted = _samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public static string Ms(double value) =>
        double.IsNaN(value) ? "–" : value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture);
}
