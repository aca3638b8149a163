using Xunit;
using Xunit.Abstractions;

namespace Cairn.Compat.Tests;

/// <summary>The model workflow of ClearML's documentation, run by the real SDK (<c>python/model_workflow.py</c>), then read back on the server.</summary>
public sealed class ModelWorkflowTests(SdkServerFixture fixture, ITestOutputHelper output) : IClassFixture<SdkServerFixture>
{
    [RealSdkFact]
    public async Task The_real_sdk_trains_registers_finds_and_uses_models_end_to_end()
    {
        var project = SdkServerFixture.UniqueProject("workflow");
        var run = await RealSdk.RunAsync(fixture.Server, "model_workflow.py", project);
        output.WriteLine(run.Output);

        var first = await fixture.ModelAsync(run.Value("first_model"));
        Assert.Equal("resnet", first["name"].Text());
        Assert.Equal(["a"], first["tags"].Strings());
        Assert.Equal("PyTorch", first["framework"].Text());
        Assert.False(first["ready"]!.GetValue<bool>());
        Assert.True((await fixture.ModelAsync(run.Value("package_model")))["ready"]!.GetValue<bool>());
        Assert.Equal(2, first["labels"]!["dog"]!.GetValue<int>());
        Assert.Contains("layers", first["design"]!["design"].Text(), StringComparison.Ordinal);
        Assert.Equal("10", first["metadata"]!["epochs"]!["value"].Text());
        Assert.Equal(run.Value("train_task"), first["task"].Text());
        Assert.Equal(run.Value("first_url"), first["uri"].Text());

        // The model's reports, flushed at close, are on the model.
        var scalars = await fixture.CallOkAsync("events.scalar_metrics_iter_histogram", new { task = first["id"].Text(), model_events = true });
        Assert.Equal(3, scalars["loss"]!["train"]!["y"]!.AsArray().Count);
        var plots = await fixture.CallOkAsync("events.get_task_plots", new { task = first["id"].Text(), model_events = true });
        Assert.Contains(plots["plots"]!.AsArray(), p => p!["metric"].Text() == "confusion");

        var train = await fixture.TaskAsync(run.Value("train_task"));
        Assert.Equal("completed", train["status"].Text());
        Assert.Equal(["array", "config", "folder", "image", "notes", "object", "text"],
            train["execution"]!["artifacts"]!.AsArray().Select(a => a!["key"].Text()).Where(k => k != "requirements").Order(StringComparer.Ordinal).ToList());
        Assert.Equal(3, train["models"]!["output"]!.AsArray().Count);

        var use = await fixture.TaskAsync(run.Value("use_task"));
        Assert.Contains(use["models"]!["input"]!.AsArray(), m => m!["model"].Text() == first["id"].Text());
        var archived = await fixture.ModelAsync(run.Value("third_model"));
        Assert.Contains("archived", archived["system_tags"].Strings());

        foreach (var step in run.Steps)
        {
            output.WriteLine($"{step!["step"]}\t{step["seconds"]}\t{step["server_cpu_seconds"]}");
        }
    }
}
