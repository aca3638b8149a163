// Loads the model MLNetTrain saved with ML.NET's own mlContext.Model.Load, in a new experiment,
// and scores a few points. Cairn.Integrations.MLNet logs the load as the experiment's input
// model: the model MLNetTrain registered (its URL matches the file), so the server shows the
// lineage train experiment → model → this experiment.
//   dotnet run --project samples/MLNetScore -- [model.zip]
using Cairn;
using Cairn.Experiments;
using Cairn.Samples.MLNet;
using Microsoft.ML;

var modelPath = Path.GetFullPath(args.FirstOrDefault() ?? "points-model.zip");

await using var experiment = await Experiment.InitAsync("Cairn samples", "ml.net score", ExperimentType.Inference);

var ml = new MLContext(seed: 2);
var model = ml.Model.Load(modelPath, out _); // logged by Cairn.Integrations.MLNet
var engine = ml.Model.CreatePredictionEngine<Point, Prediction>(model);
var points = Points.Generate(200, seed: 2).ToList();
var correct = points.Count(p => engine.Predict(p).PredictedLabel == p.Label);

Console.WriteLine($"experiment {experiment.Id} loaded {modelPath}: {correct} of {points.Count} points right");
