// Finds the newest published model tagged "sample", connects it to a new experiment as its input
// model and downloads its weights (checked against the SHA-256 recorded when they were uploaded).
// The server comes from ~/clearml.conf or the CLEARML_* environment variables.
using Cairn;

var found = await Model.QueryModelsAsync(projectName: "Cairn samples", tags: ["sample"], onlyPublished: true, maxResults: 1);
if (found.Count == 0)
{
    Console.Error.WriteLine("No published model tagged 'sample' yet: run samples/TrainAndRegister first.");
    return 1;
}

await using var experiment = await Experiment.InitAsync("Cairn samples", "find and use", taskType: "inference");
var input = new InputModel(found[0].Id);
await experiment.ConnectAsync(input, name: "line fit");

var weights = await input.GetLocalCopyAsync();
Console.WriteLine($"using model {input.Id} ({input.Name}), labels {string.Join(", ", input.Labels.Keys)}");
Console.WriteLine($"weights at {weights}: {await File.ReadAllTextAsync(weights)}");
return 0;
