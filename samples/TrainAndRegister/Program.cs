// Trains a toy model (a line fitted by gradient descent), keeps one output model updated with
// the best weights so far, reports its loss curve and records metadata on it, and publishes it.
// The server comes from ~/clearml.conf or the CLEARML_* environment variables.
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn;

await using var experiment = await Experiment.InitAsync("Cairn samples", "train and register", outputUri: true);
try
{
    var model = new OutputModel(experiment,
        name: "line fit",
        configDict: new JsonObject { ["kind"] = "linear", ["learning_rate"] = 0.05 },
        labelEnumeration: new Dictionary<string, int> { ["background"] = 0, ["line"] = 1 },
        tags: ["sample", "linear"],
        framework: "Cairn.Samples");

    // Created on the server now so scalars can be reported to it from the first epoch.
    await model.CreateOnServerAsync();

    // Data: y = 3x + 2 with a little noise.
    var random = new Random(7);
    var xs = Enumerable.Range(0, 64).Select(i => i / 16.0).ToArray();
    var ys = xs.Select(x => 3 * x + 2 + (random.NextDouble() - 0.5) * 0.1).ToArray();

    var (slope, intercept, best) = (0.0, 0.0, double.MaxValue);
    var weightsFile = Path.Combine(Path.GetTempPath(), $"line-fit-{experiment.Id}.json");
    for (var epoch = 1; epoch <= 200; epoch++)
    {
        var (gradSlope, gradIntercept, loss) = (0.0, 0.0, 0.0);
        for (var i = 0; i < xs.Length; i++)
        {
            var error = slope * xs[i] + intercept - ys[i];
            gradSlope += 2 * error * xs[i] / xs.Length;
            gradIntercept += 2 * error / xs.Length;
            loss += error * error / xs.Length;
        }
        slope -= 0.05 * gradSlope;
        intercept -= 0.05 * gradIntercept;
        if (epoch % 10 == 0)
        {
            model.ReportScalar("loss", "train", loss, epoch); // sent in the background, flushed on close
        }

        if (epoch % 50 == 0 && loss < best)
        {
            // A new best: overwrite the weights file and the model's weights (the upload runs in the background).
            best = loss;
            await File.WriteAllTextAsync(weightsFile, JsonSerializer.Serialize(new { slope, intercept }));
            await OutputModel.WaitForUploadsAsync(); // the file is rewritten next time: let the last upload finish first
            await model.UpdateWeightsAsync(weightsFile, iteration: epoch);
        }
    }

    await OutputModel.WaitForUploadsAsync();
    await model.SetMetadataAsync("loss", best);
    await model.SetMetadataAsync("epochs", 200);
    model.ReportSingleValue("final loss", best);
    await model.PublishAsync();
    File.Delete(weightsFile); // our own file: the SDK never deletes it for us
    Console.WriteLine($"model {model.Id} published at {model.Url} (loss {best:F5}, slope {slope:F3}, intercept {intercept:F3})");
}
catch (Exception e)
{
    await experiment.MarkFailedAsync(e);
    throw;
}
