namespace Cairn.Samples.Onnx;

/// <summary>A point of one of two overlapping clouds; <see cref="Label"/> says which.</summary>
public sealed class Point
{
    public float X { get; set; }

    public float Y { get; set; }

    public bool Label { get; set; }
}

public static class Points
{
    /// <summary><paramref name="count"/> points around (1, 1) (label true) and (-1, -1) (label false).</summary>
    public static IEnumerable<Point> Generate(int count, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var label = i % 2 == 0;
            var centre = label ? 1.0 : -1.0;
            yield return new Point { X = (float)(centre + Gaussian(random)), Y = (float)(centre + Gaussian(random)), Label = label };
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
