using Xunit;

namespace Cairn.Tests.Models;

public sealed class InputModelTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    [Fact]
    public async Task Importing_the_same_url_twice_reuses_the_model_and_load_model_never_creates()
    {
        var url = $"https://example.invalid/{Guid.NewGuid():N}/weights.pt";
        Assert.Null(await InputModel.LoadModelAsync(url, session: fixture.Session));

        var first = await InputModel.ImportModelAsync(url, name: "first", tags: ["zoo"], createAsPublished: true, session: fixture.Session);
        var second = await InputModel.ImportModelAsync(url, name: "ignored", session: fixture.Session);
        var loaded = await InputModel.LoadModelAsync(url, session: fixture.Session);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Id, loaded?.Id);
        Assert.Equal("first", second.Name);
        Assert.True(first.Published);
        Assert.Equal(Framework.PyTorch, first.Framework);

        await first.ArchiveAsync();
        Assert.Null(await InputModel.LoadModelAsync(url, session: fixture.Session));
        Assert.Equal(first.Id, (await InputModel.LoadModelAsync(url, loadArchived: true, session: fixture.Session))?.Id);
        Assert.NotEqual(first.Id, (await InputModel.ImportModelAsync(url, session: fixture.Session)).Id);
    }

    [Fact]
    public async Task Get_by_id_returns_a_loaded_input_model_and_an_unknown_id_is_the_servers_error()
    {
        var imported = await InputModel.ImportModelAsync($"https://example.invalid/{Guid.NewGuid():N}/w.onnx", name: "by id", session: fixture.Session);

        var model = await InputModel.GetAsync(imported.Id, fixture.Session);

        Assert.True(model.IsLoaded);
        Assert.Equal("by id", model.Name);
        var e = await Assert.ThrowsAsync<ClearMLRequestException>(() => InputModel.GetAsync(Guid.NewGuid().ToString("N"), fixture.Session));
        Assert.Equal((400, 201), (e.ResultCode, e.ResultSubcode));
    }

    [Fact]
    public async Task A_local_path_is_imported_as_a_file_url_and_a_package_gets_its_system_tag()
    {
        var path = fixture.WriteFile("import/local model.h5", 10);
        var model = await InputModel.ImportModelAsync(path, isPackage: true, session: fixture.Session);
        Assert.Equal(new Uri(path).AbsoluteUri, model.Url);
        Assert.Contains("package", model.SystemTags);
        Assert.Equal(Framework.Keras, model.Framework);
    }

    [Fact]
    public async Task The_newest_match_is_found_by_name_project_and_tags_and_a_miss_says_what_was_asked()
    {
        var project = SdkServerFixture.UniqueProject("newest");
        await InputModel.ImportModelAsync("https://example.invalid/n1.pt", name: "det", project: project, tags: ["prod"], session: fixture.Session);
        var newer = await InputModel.ImportModelAsync("https://example.invalid/n2.pt", name: "det", project: project, tags: ["prod"], session: fixture.Session);

        var found = await InputModel.GetNewestAsync("det", project, ["prod"], session: fixture.Session);
        Assert.Equal(newer.Id, found.Id);
        var miss = await Assert.ThrowsAsync<InvalidOperationException>(() => InputModel.GetNewestAsync("det", project, onlyPublished: true, session: fixture.Session));
        Assert.Contains("det", miss.Message);
    }

    [Fact]
    public async Task Connecting_registers_the_input_notes_it_in_the_comment_and_copies_labels_and_design()
    {
        var experiment = await Experiment.InitAsync(SdkServerFixture.UniqueProject("connect"), "use model", session: fixture.Session);
        var model = await InputModel.ImportModelAsync("https://example.invalid/backbone/resnet50.pth", configText: "layers: 50",
            labelEnumeration: new Dictionary<string, int> { ["person"] = 0 }, session: fixture.Session);

        await model.ConnectAsync(experiment);

        using var client = fixture.Server.Client();
        var task = (await client.CallAsync("tasks.get_by_id", new { task = experiment.Id })).Ok()["task"]!;
        var input = task["models"]!["input"]!.AsArray().Single()!;
        Assert.Equal("resnet50", input["name"]!.GetValue<string>());
        Assert.Equal(model.Id, input["model"]!.GetValue<string>());
        Assert.Contains($"Using model id: {model.Id}", task["comment"]!.GetValue<string>());
        Assert.Equal(0, task["execution"]!["model_labels"]!["person"]!.GetValue<int>());
        Assert.Equal("layers: 50", task["configuration"]!["General"]!["value"]!.GetValue<string>());
        Assert.Equal(experiment.Id, model.TaskId);
        Assert.Equal(0, experiment.Labels["person"]);
    }
}
