using System.Text.Json.Nodes;
using Cairn.Session;
using Cairn.Tests.Session;
using Xunit;

namespace Cairn.Tests.Models;

/// <summary>The options objects: contradictions rejected when built, and the same calls as the named-parameter overloads.</summary>
public sealed class ModelOptionsTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    [Fact]
    public void Contradictory_or_unsendable_options_are_rejected_when_built()
    {
        Assert.Equal("UploadUri", Assert.Throws<ArgumentException>(() => UpdateWeightsOptions.Register("https://x/w.pt") with { UploadUri = "file:///tmp" }).ParamName);
        Assert.Equal("TargetFilename", Assert.Throws<ArgumentException>(() => UpdateWeightsOptions.Register("https://x/w.pt") with { TargetFilename = "w.pt" }).ParamName);
        Assert.Equal("TargetFilename", Assert.Throws<ArgumentException>(() => UpdateWeightsOptions.Upload("w.pt") with { TargetFilename = "a/b.pt" }).ParamName);
        Assert.Equal("Iteration", Assert.Throws<ArgumentOutOfRangeException>(() => UpdateWeightsOptions.Upload("w.pt") with { Iteration = -1 }).ParamName);
        Assert.Throws<ArgumentException>(() => UpdateWeightsOptions.Upload(" "));
        Assert.Equal("ConfigDict", Assert.Throws<ArgumentException>(() => new ImportModelOptions("https://x/w.pt") { ConfigText = "a", ConfigDict = new JsonObject() }).ParamName);
        Assert.Equal("ConfigDict", Assert.Throws<ArgumentException>(() => new ImportModelOptions("https://x/w.pt") { ConfigDict = new JsonObject(), ConfigText = "a" }).ParamName);
        Assert.Equal("MaxResults", Assert.Throws<ArgumentOutOfRangeException>(() => new ModelQuery { MaxResults = -1 }).ParamName);
        Assert.Equal("PageSize", Assert.Throws<ArgumentOutOfRangeException>(() => new ModelQuery { PageSize = 501 }).ParamName);
        Assert.Equal("Metadata", Assert.Throws<ArgumentException>(() => new ModelQuery { Metadata = new Dictionary<string, string> { [" "] = "v" } }).ParamName);
        Assert.Equal("TaskType", Assert.Throws<ArgumentException>(() => new ExperimentInitOptions("p", "t") { TaskType = "nonsense" }).ParamName);

        var upload = UpdateWeightsOptions.Upload("w.pt") with { UploadUri = "file:///tmp", TargetFilename = "best.pt", Iteration = 3 };
        Assert.Equal(("w.pt", null, "best.pt"), (upload.WeightsFilename, upload.RegisterUri, upload.TargetFilename));
    }

    [Fact]
    public async Task The_options_overloads_store_what_the_named_parameter_overloads_store()
    {
        var project = SdkServerFixture.UniqueProject("opts");
        var experiment = await Experiment.InitAsync(new ExperimentInitOptions(project, "options run") { TaskType = Cairn.Experiments.ExperimentType.Testing, Tags = ["t1"] }, fixture.Session);
        Assert.Equal(project, experiment.ProjectName);
        Assert.Equal("testing", experiment.Data.Type);

        var imported = await InputModel.ImportModelAsync(new ImportModelOptions($"https://example.invalid/{Guid.NewGuid():N}/m.onnx")
        {
            Project = project,
            Name = "imported",
            Tags = ["x"],
            LabelEnumeration = new Dictionary<string, int> { ["cat"] = 1 },
            ConfigText = "layers: 2",
        }, fixture.Session);
        Assert.Equal(("imported", Framework.Onnx, "layers: 2"), (imported.Name, imported.Framework, imported.ConfigText));
        Assert.Equal(1, imported.Labels["cat"]);

        var model = new OutputModel(experiment, name: "registered");
        var registered = $"https://example.invalid/{Guid.NewGuid():N}/w.pt";
        Assert.Equal(registered, await model.UpdateWeightsAsync(UpdateWeightsOptions.Register(registered) with { Iteration = 4 }));
        Assert.Equal(registered, (await Model.GetAsync(model.Id, fixture.Session)).Url);

        var byOptions = await Model.QueryModelsAsync(new ModelQuery { ProjectName = project, Tags = ["x"] }, fixture.Session);
        var byNames = await Model.QueryModelsAsync(project, tags: ["x"], session: fixture.Session);
        Assert.Equal([imported.Id], byOptions.Select(m => m.Id));
        Assert.Equal(byNames.Select(m => m.Id), byOptions.Select(m => m.Id));
    }

    [Fact]
    public async Task The_async_query_fetches_each_page_only_when_the_previous_one_is_consumed()
    {
        var project = SdkServerFixture.UniqueProject("lazy");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await InputModel.ImportModelAsync($"https://example.invalid/{project}/{i}.pt", name: $"model-{i}", project: project, session: fixture.Session)).Id);
        }
        ids.Reverse(); // newest first
        var counting = new CountingHandler();
        await using var session = new ClearMLSession(SdkServerFixture.SettingsFor(fixture.Server, fixture.CacheDir), handler: counting);
        var query = new ModelQuery { ProjectName = project, PageSize = 2 };

        var models = Model.GetModelsAsync(query, session);
        Assert.Equal(0, counting.Calls("models.get_all")); // nothing is sent before the enumeration starts

        var seen = new List<string>();
        await using (var e = models.GetAsyncEnumerator())
        {
            Assert.True(await e.MoveNextAsync());
            seen.Add(e.Current.Id);
            Assert.True(await e.MoveNextAsync());
            seen.Add(e.Current.Id);
            Assert.Equal(1, counting.Calls("models.get_all"));
            Assert.True(await e.MoveNextAsync());
            seen.Add(e.Current.Id);
            Assert.Equal(2, counting.Calls("models.get_all"));
        }
        Assert.Equal(ids.Take(3), seen);
        Assert.True(await Model.GetModelsAsync(query, session).AllAsync(m => m.IsLoaded));
        Assert.Equal(ids, await Model.GetModelsAsync(query, session).Select(m => m.Id).ToListAsync());
        Assert.Equal(2 + 3 + 3, counting.Calls("models.get_all")); // 5 models in pages of 2: three pages per full pass
    }
}
