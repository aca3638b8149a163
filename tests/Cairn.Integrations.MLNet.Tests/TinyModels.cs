using Microsoft.ML;

namespace Cairn.Integrations.MLNet.Tests;

public sealed class Row
{
    public float X { get; set; }

    public float Y { get; set; }
}

/// <summary>Small ML.NET models made in milliseconds, so the tests exercise real saves and loads.</summary>
internal static class TinyModels
{
    public static (MLContext Ml, ITransformer Model, DataViewSchema Schema) Make(float scale = 1)
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml, scale);
        var model = ml.Transforms.NormalizeMinMax(nameof(Row.X)).Fit(data);
        return (ml, model, data.Schema);
    }

    /// <summary>The rows the models are fitted on (what an ONNX export takes as its input's shape).</summary>
    public static IDataView Data(MLContext ml, float scale = 1) =>
        ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new Row { X = i, Y = i * scale }));
}
