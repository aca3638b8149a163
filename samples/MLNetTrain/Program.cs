// Trains an ML.NET binary classifier on points it generates, evaluates it, saves it with ML.NET's
// own mlContext.Model.Save and exports it to ONNX with mlContext.Model.ConvertToOnnx. With
// Cairn.Integrations.MLNet referenced, both are logged as the experiment's output models without
// any Cairn call (frameworks ML.NET and ONNX): the files are uploaded to the output destination
// when there is one (--upload: the files server), else their local paths are registered.
// samples/MLNetScore loads the first with ML.NET, samples/OnnxScore the second with ONNX Runtime.
//   dotnet run --project samples/MLNetTrain -- [model.zip] [--upload]   (the export: model-onnx.onnx beside it)
using Cairn;
using Cairn.Integrations;
using Cairn.Samples.MLNet;
using Microsoft.ML;

var modelPath = Path.GetFullPath(args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "points-model.zip");
var upload = args.Contains("--upload");

await using var experiment = await Experiment.InitAsync("Cairn samples", "ml.net train", outputUri: upload);

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromEnumerable(Points.Generate(2000, seed: 1));
var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
var pipeline = ml.Transforms.Concatenate("Features", nameof(Point.X), nameof(Point.Y))
    .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression());
var model = pipeline.Fit(split.TrainSet);
var metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));

ml.Model.Save(model, data.Schema, modelPath); // logged by Cairn.Integrations.MLNet
// A stem of its own: the experiment names its model entries after the file name without extension.
var onnxPath = Path.ChangeExtension(modelPath, null) + "-onnx.onnx";
using (var onnx = File.Create(onnxPath))
{
    ml.Model.ConvertToOnnx(model, data, onnx); // logged too, as an ONNX model
}

// Scores go on the model the save registered (its registration runs in the background).
await FrameworkModelLog.WaitAsync();
var logged = experiment.Models.Output[Path.GetFileNameWithoutExtension(modelPath)];
logged.ReportSingleValue("accuracy", metrics.Accuracy);
logged.ReportSingleValue("auc", metrics.AreaUnderRocCurve);
logged.ReportSingleValue("f1", metrics.F1Score);

Console.WriteLine($"experiment {experiment.Id} saved {modelPath} as model {logged.Id}, exported {onnxPath}: accuracy {metrics.Accuracy:F3}, AUC {metrics.AreaUnderRocCurve:F3}");
