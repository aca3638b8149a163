using System.Text.Json.Nodes;
using Xunit;

namespace Cairn.Tests.Models;

public sealed class OutputModelTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    private Task<Experiment> NewExperimentAsync(string prefix, object? outputUri = null) =>
        outputUri is string uri
            ? Experiment.InitAsync(SdkServerFixture.UniqueProject(prefix), "output run", outputUri: uri, session: fixture.Session)
            : Experiment.InitAsync(SdkServerFixture.UniqueProject(prefix), "output run", session: fixture.Session);

    [Fact]
    public async Task An_output_model_is_created_on_the_server_only_when_something_is_stored()
    {
        var experiment = await NewExperimentAsync("lazy");
        var model = new OutputModel(experiment, configDict: new JsonObject { ["depth"] = 4 },
            labelEnumeration: new Dictionary<string, int> { ["a"] = 0 }, name: "lazy", tags: ["t1"], comment: "hello", framework: Framework.PyTorch);

        Assert.False(model.IsCreated);
        Assert.Equal("", model.Id);
        Assert.Equal("lazy", model.Name);
        Assert.False(model.Published);
        Assert.Empty(await Model.QueryModelsAsync(experiment.ProjectName, session: fixture.Session));

        await model.SetMetadataAsync("stage", "warmup");

        Assert.True(model.IsCreated);
        var stored = await Model.GetAsync(model.Id, fixture.Session);
        Assert.Equal("lazy", stored.Name);
        Assert.Equal(["t1"], stored.Tags);
        Assert.Equal(experiment.Id, stored.OriginalTaskId);
        Assert.Equal(experiment.ProjectId, stored.ProjectId);
        Assert.Equal($"Created by task id: {experiment.Id}\nhello", stored.Comment);
        Assert.Equal(4, stored.ConfigDict!["depth"]!.GetValue<int>());
        Assert.Equal(0, stored.Labels["a"]);
        Assert.Equal(Framework.PyTorch, stored.Framework);
        Assert.Equal("file:///uploading_file", stored.Url);
        Assert.Equal("warmup", stored.GetMetadata("stage"));
    }

    [Fact]
    public async Task A_registered_uri_is_recorded_as_is_and_the_entry_is_named_after_its_file()
    {
        var experiment = await NewExperimentAsync("register");
        var model = new OutputModel(experiment, name: "registered");

        var url = await model.UpdateWeightsAsync(registerUri: "s3://bucket/models/final.onnx", iteration: 7);

        Assert.Equal("s3://bucket/models/final.onnx", url);
        Assert.Equal(url, model.Url);
        Assert.Equal(Framework.Onnx, model.Framework);
        Assert.StartsWith("snapshot s3://bucket/models/final.onnx stored", model.Comment);
        var models = experiment.Models;
        Assert.Equal(model.Id, models.Output["final"].Id);
    }

    [Fact]
    public async Task Without_any_destination_a_local_file_is_registered_by_path_and_left_in_place()
    {
        var experiment = await NewExperimentAsync("nodest");
        var path = fixture.WriteFile("nodest/weights.bin", 100);
        var model = new OutputModel(experiment);

        var url = await model.UpdateWeightsAsync(path);

        Assert.Equal(new Uri(path).AbsoluteUri, url);
        Assert.Equal(url, (await Model.GetAsync(model.Id, fixture.Session)).Url);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Wrong_argument_combinations_fail_at_once_naming_the_argument()
    {
        var experiment = await NewExperimentAsync("badargs");
        var model = new OutputModel(experiment);
        var path = fixture.WriteFile("badargs/w.bin", 10);

        Assert.Equal("weightsFilename", (await Assert.ThrowsAsync<ArgumentException>(() => model.UpdateWeightsAsync())).ParamName);
        Assert.Equal("registerUri", (await Assert.ThrowsAsync<ArgumentException>(() => model.UpdateWeightsAsync(path, registerUri: "s3://b/k"))).ParamName);
        Assert.Equal("weightsFilename", (await Assert.ThrowsAsync<ArgumentException>(() => model.UpdateWeightsAsync(path + ".missing"))).ParamName);
        Assert.Equal("uploadUri", (await Assert.ThrowsAsync<ArgumentException>(() => model.UpdateWeightsAsync(path, uploadUri: "ftp://x/y"))).ParamName);
        Assert.Equal("registerUri", (await Assert.ThrowsAsync<ArgumentException>(() => model.UpdateWeightsAsync(registerUri: "gopher://x/y"))).ParamName);
        Assert.Equal("uri", Assert.Throws<ArgumentException>(() => model.SetUploadDestination("mailto://me")).ParamName);
        Assert.Equal("uri", Assert.Throws<ArgumentException>(() => OutputModel.SetDefaultUploadUri("ftp://x")).ParamName);
        Assert.Equal("configDict", Assert.Throws<ArgumentException>(() => new OutputModel(experiment, configText: "a", configDict: [])).ParamName);
        Assert.Equal("weightsFilenames", (await Assert.ThrowsAsync<ArgumentException>(() => model.UpdateWeightsPackageAsync(weightsFilenames: []))).ParamName);
        Assert.Equal("weightsFilenames", (await Assert.ThrowsAsync<ArgumentException>(() => model.UpdateWeightsPackageAsync())).ParamName);
        Assert.Equal("configText", (await Assert.ThrowsAsync<ArgumentException>(() => model.UpdateDesignAsync())).ParamName);
        Assert.Equal("maxNumUploads", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => OutputModel.WaitForUploadsAsync(maxNumUploads: 0))).ParamName);
        Assert.False(model.IsCreated);

        var other = await NewExperimentAsync("badargs2");
        Assert.Equal("experiment", (await Assert.ThrowsAsync<ArgumentException>(() => model.ConnectAsync(other))).ParamName);
    }

    [Fact]
    public async Task A_published_model_refuses_new_weights_design_labels_and_destination()
    {
        var experiment = await NewExperimentAsync("published");
        var model = new OutputModel(experiment, name: "frozen");
        await model.UpdateWeightsAsync(registerUri: "https://example.invalid/frozen.pt");
        await model.PublishAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => model.UpdateWeightsAsync(registerUri: "https://example.invalid/other.pt"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => model.UpdateDesignAsync("x"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => model.UpdateLabelsAsync(new Dictionary<string, int> { ["x"] = 1 }));
        Assert.Throws<InvalidOperationException>(() => model.SetUploadDestination(fixture.WorkDir));
        Assert.Equal("https://example.invalid/frozen.pt", (await Model.GetAsync(model.Id, fixture.Session)).Url);
    }

    [Fact]
    public async Task Design_and_labels_go_to_the_model_and_to_the_experiment()
    {
        var experiment = await NewExperimentAsync("design");
        var model = new OutputModel(experiment, name: "designed");
        await model.UpdateDesignAsync(configText: "layers = 3");
        await model.UpdateLabelsAsync(new Dictionary<string, int> { ["bg"] = 0, ["fg"] = 1 });
        Assert.Equal("layers = 3", model.ConfigText);
        Assert.False(model.IsCreated);

        await model.UpdateWeightsAsync(registerUri: "https://example.invalid/designed.pt");
        await model.UpdateDesignAsync(configDict: new JsonObject { ["layers"] = 4 });

        var stored = await Model.GetAsync(model.Id, fixture.Session);
        Assert.Equal(4, stored.ConfigDict!["layers"]!.GetValue<int>());
        Assert.Equal(1, stored.Labels["fg"]);
        await experiment.RefreshAsync();
        Assert.Equal(1, experiment.Labels["fg"]);
        Assert.Equal("layers = 3", experiment.Data.Configuration!["General"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_base_model_is_re_used_and_moved_to_the_new_experiment()
    {
        var first = await NewExperimentAsync("base");
        var original = new OutputModel(first, name: "shared");
        await original.UpdateWeightsAsync(registerUri: "https://example.invalid/base/shared.pt");

        var second = await NewExperimentAsync("base2");
        var reused = new OutputModel(second, baseModelId: original.Id);
        await reused.UpdateWeightsAsync(registerUri: "https://example.invalid/base/shared-v2.pt");

        var stored = await Model.GetAsync(original.Id, fixture.Session);
        Assert.Equal(original.Id, reused.Id);
        Assert.Equal(second.Id, stored.OriginalTaskId);
        Assert.Contains($"Overwritten by task id: {second.Id}", stored.Comment);
        Assert.Equal("https://example.invalid/base/shared-v2.pt", stored.Url);
        Assert.Equal(original.Id, second.Models.Output[^1].Id);
    }
}
