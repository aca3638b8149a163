// Loads an ONNX model with ONNX Runtime in a new experiment and scores points with it: the
// classifier MLNetTrain exported (mlContext.Model.ConvertToOnnx). OnnxModels.Open, in place of
// new InferenceSession(path), logs the file as the experiment's input model: the model MLNetTrain's
// export registered (its URL matches the file), so the server shows the lineage train → ONNX
// model → this experiment; a file no model is registered for becomes a new model.
//   dotnet run --project samples/OnnxScore -- [points-model.onnx]
using Cairn;
using Cairn.Experiments;
using Cairn.Integrations.OnnxRuntime;
using Cairn.Samples.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

var modelPath = Path.GetFullPath(args.FirstOrDefault() ?? "points-model.onnx");

await using var experiment = await Experiment.InitAsync("Cairn samples", "onnx score", ExperimentType.Inference);

using var session = OnnxModels.Open(modelPath); // logged by Cairn.Integrations.OnnxRuntime
var points = Points.Generate(200, seed: 3).ToList();
int[] shape = [points.Count, 1];
// ML.NET's export takes each column of the training data as an input of shape [N, 1].
var inputs = session.InputMetadata.Keys.Select(name => name switch
{
    nameof(Point.X) => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(points.Select(p => p.X).ToArray(), shape)),
    nameof(Point.Y) => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(points.Select(p => p.Y).ToArray(), shape)),
    nameof(Point.Label) => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<bool>(points.Select(p => p.Label).ToArray(), shape)),
    _ => throw new InvalidOperationException($"{modelPath} takes an input '{name}' that is not a point's column: is it MLNetTrain's ONNX export?"),
}).ToList();
using var results = session.Run(inputs);
var predicted = results.Single(r => r.Name.StartsWith("PredictedLabel", StringComparison.Ordinal)).AsEnumerable<bool>().ToList();
var correct = points.Zip(predicted).Count(pair => pair.First.Label == pair.Second);

Console.WriteLine($"experiment {experiment.Id} ran {modelPath} with ONNX Runtime: {correct} of {points.Count} points right");
