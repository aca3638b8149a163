using Cairn.Models;
using Cairn.Tests.Models;
using Xunit;

namespace Cairn.Tests.Samples;

public sealed class SampleTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    [Fact]
    public async Task Train_and_register_then_find_and_use_run_against_a_real_server()
    {
        var home = Directory.CreateTempSubdirectory("cairn-sample-home-").FullName;

        var train = await SampleProgram.RunAsync("TrainAndRegister", fixture.Server, home);
        Assert.True(train.ExitCode == 0, train.Output + train.Error);

        var models = await Model.QueryModelsAsync("Cairn samples", "line fit", tags: ["sample"], session: fixture.Session);
        var model = Assert.Single(models);
        Assert.True(model.Published);
        Assert.Equal(["linear", "sample"], model.Tags.Order());
        Assert.Equal(1, model.Labels["line"]);
        Assert.Equal("linear", model.ConfigDict!["kind"]!.GetValue<string>());
        Assert.Equal(200L, model.GetMetadataCasted("epochs"));
        Assert.NotNull(model.GetMetadata(WeightsIntegrity.Sha256Key));
        Assert.StartsWith(fixture.FilesHost + "/Cairn%20samples/", model.Url);
        var histogram = await fixture.Session.CallAsync("events.scalar_metrics_iter_histogram", new { task = model.Id, model_events = true });
        Assert.Equal(20, histogram["loss"]!["train"]!["x"]!.AsArray().Count);
        var trainer = await Experiment.GetAsync(model.OriginalTaskId!, fixture.Session);
        Assert.Equal("completed", trainer.Status);

        var use = await SampleProgram.RunAsync("FindAndUse", fixture.Server, home);
        Assert.True(use.ExitCode == 0, use.Output + use.Error);
        Assert.Contains("slope", use.Output);
        var consumer = await Experiment.GetByNameAsync("Cairn samples", "find and use", fixture.Session);
        Assert.Equal(model.Id, consumer!.Models.Input["line fit"].Id);
        Assert.Equal("completed", consumer.Status);
    }

    [Fact]
    public async Task Import_model_registers_an_external_url_once()
    {
        var home = Directory.CreateTempSubdirectory("cairn-sample-home-").FullName;
        var url = $"https://example.invalid/zoo/{Guid.NewGuid():N}/mnist-12.onnx";

        var run = await SampleProgram.RunAsync("ImportModel", fixture.Server, home, url);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("the same model", run.Output);

        var imported = await InputModel.LoadModelAsync(url, session: fixture.Session);
        Assert.NotNull(imported);
        Assert.Equal("mnist (imported)", imported.Name);
        Assert.True(imported.Published);
        Assert.Equal(Framework.Onnx, imported.Framework);
        Assert.Equal(10, imported.Labels.Count);
    }
}
