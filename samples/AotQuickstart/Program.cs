// Registers a model (weights uploaded to the file server), queries it back by its tag and downloads
// its weights, checking the bytes: the SDK's main flow, published with Native AOT. Prints the time
// from the process's start to the server's first answer, for docs/benchmarks.md.
// Usage: AotQuickstart [tag]   (the server comes from ~/clearml.conf or the CLEARML_* variables)
using System.Diagnostics;
using Cairn;

var tag = args.Length > 0 ? args[0] : "aot-sample";
var started = Process.GetCurrentProcess().StartTime.ToUniversalTime();

await using var experiment = await Experiment.InitAsync("Cairn samples", "native aot", outputUri: true);
var firstAnswer = DateTime.UtcNow - started;

var weights = Path.Combine(Path.GetTempPath(), $"aot-weights-{experiment.Id}.bin");
var content = $"weights of {experiment.Id}";
await File.WriteAllTextAsync(weights, content);
var model = new OutputModel(experiment, name: "aot model", tags: [tag], framework: "Cairn.Samples");
await model.UpdateWeightsAsync(weights);
await OutputModel.WaitForUploadsAsync();
await model.PublishAsync();
File.Delete(weights);

var found = await Model.QueryModelsAsync(projectName: "Cairn samples", tags: [tag], onlyPublished: true, maxResults: 1);
if (found.Count != 1 || found[0].Id != model.Id)
{
    Console.Error.WriteLine($"The query by tag '{tag}' did not return model {model.Id}.");
    return 1;
}
var local = await new InputModel(found[0].Id).GetLocalCopyAsync();
var downloaded = await File.ReadAllTextAsync(local);
if (downloaded != content)
{
    Console.Error.WriteLine($"The downloaded weights at {local} differ from the uploaded ones.");
    return 1;
}
Console.WriteLine($"registered, found and downloaded model {model.Id}; first answer after {firstAnswer.TotalMilliseconds:F0} ms");
return 0;
