// Serves predictions from the newest published model with a tag: the SDK is registered through
// dependency injection, the weights come through its cache, ONNX Runtime runs them.
//   ClearML__ApiHost, ClearML__AccessKey, ClearML__SecretKey (or ~/clearml.conf / CLEARML_*)
//   Serve__Tag (default "production")
using Cairn;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddClearML(builder.Configuration.GetSection("ClearML"));
var app = builder.Build();

// At start-up: the newest published model with the tag, downloaded once (checked against its SHA-256).
var clearml = app.Services.GetRequiredService<ClearMLClient>();
var tag = app.Configuration["Serve:Tag"] ?? "production";
Model? newest = null;
await foreach (var candidate in clearml.GetModelsAsync(new ModelQuery { Tags = [tag], OnlyPublished = true, MaxResults = 1 }))
{
    newest = candidate;
}
if (newest is null)
{
    app.Logger.LogError("No published model is tagged {Tag}", tag);
    return 1;
}
using var onnx = new InferenceSession(await newest.GetLocalCopyAsync());
var input = onnx.InputMetadata.Keys.Single();
var width = onnx.InputMetadata[input].Dimensions[^1];
app.Logger.LogInformation("Serving model {ModelId} ({Name}), {Width} features", newest.Id, newest.Name, width);

app.MapGet("/model", () => new ModelInfo(newest.Id, newest.Name, width));
app.MapPost("/predict", (PredictRequest request) =>
{
    if (request.Features is not { Length: > 0 } features || features.Length != width)
    {
        return Results.BadRequest(new Problem($"features must hold {width} numbers"));
    }
    var tensor = new DenseTensor<float>(features, [1, width]);
    using var results = onnx.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
    return Results.Ok(new Prediction(results[0].AsEnumerable<float>().First(), newest.Id));
});
await app.RunAsync();
return 0;

internal sealed record PredictRequest(float[]? Features);

internal sealed record Prediction(float Score, string ModelId);

internal sealed record ModelInfo(string Id, string Name, int Features);

internal sealed record Problem(string Error);
