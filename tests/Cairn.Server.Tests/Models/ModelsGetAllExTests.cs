using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary><c>models.get_all_ex</c> and <c>models.get_by_id_ex</c>: joined references, stats (api.md §3.3).</summary>
public sealed class ModelsGetAllExTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task References_come_back_as_id_objects_and_empty_ones_as_empty_objects()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Ex refs");
        var parent = await client.CreateModelAsync("Ex parent", new { project });
        var child = await client.CreateModelAsync("Ex child", new { project, parent });

        var models = await client.GetAllModelsAsync(new { project = new[] { project }, order_by = new[] { "name" } }, "models.get_all_ex");
        Assert.Equal(["Ex child", "Ex parent"], models.Names());
        var childDoc = models[0]!.AsObject();
        Assert.Equal(project, childDoc["project"]!["id"].Text());
        Assert.Equal(parent, childDoc["parent"]!["id"].Text());
        Assert.Equal(ModelsApi.Company, childDoc["company"]!["id"].Text());
        Assert.False(string.IsNullOrEmpty(childDoc["user"]!["id"].Text()));
        Assert.Empty(childDoc["task"]!.AsObject());
        Assert.Empty(models[1]!["parent"]!.AsObject());
        Assert.Equal(child, childDoc["id"].Text());
    }

    [Fact]
    public async Task Name_projections_fill_the_joined_objects_and_id_is_always_added()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Ex names");
        var projectName = (await client.CallAsync("projects.get_by_id", new { project })).Ok()["project"]!["name"].Text();
        var id = await client.CreateModelAsync("Ex named", new { project, comment = "hidden by projection" });

        var model = (await client.GetAllModelsAsync(new { id = new[] { id }, only_fields = new[] { "name", "project.name", "user.name" } }, "models.get_all_ex"))[0]!;
        Assert.Equal(["id", "name", "project", "user"], model.Keys());
        Assert.Equal(id, model["id"].Text());
        Assert.Equal(project, model["project"]!["id"].Text());
        Assert.Equal(projectName, model["project"]!["name"].Text());
        Assert.Equal("Test User", model["user"]!["name"].Text());
        Assert.False(string.IsNullOrEmpty(model["user"]!["id"].Text()));
    }

    [Fact]
    public async Task An_unknown_projection_field_is_400_14()
    {
        using var client = _server.Client();
        await client.CreateModelAsync("Ex projection");
        (await client.CallAsync("models.get_all_ex", new { only_fields = new[] { "name", "no_such_field" } })).Fails(400, 14);
    }

    [Fact]
    public async Task Include_stats_counts_the_labels()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Ex stats", new { labels = new { cat = 1, dog = 2, bird = 3 } });
        var withStats = (await client.GetAllModelsAsync(new { id = new[] { id }, include_stats = true }, "models.get_all_ex"))[0]!;
        Assert.Equal(3, withStats["stats"]!["labels_count"]!.GetValue<int>());
        var without = (await client.GetAllModelsAsync(new { id = new[] { id } }, "models.get_all_ex"))[0]!;
        Assert.False(without.AsObject().ContainsKey("stats"));
    }

    [Fact]
    public async Task Get_all_ex_applies_the_get_all_filters()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Ex filters");
        await client.CreateModelAsync("Ex tagged", new { project, tags = new[] { "keep" } });
        await client.CreateModelAsync("Ex untagged", new { project });
        var models = await client.GetAllModelsAsync(new { project = new[] { project }, tags = new[] { "keep" } }, "models.get_all_ex");
        Assert.Equal(["Ex tagged"], models.Names());
    }

    [Fact]
    public async Task Get_by_id_ex_returns_the_joined_model_and_requires_id()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Ex by id");
        var id = await client.CreateModelAsync("Ex by id model", new { project });
        (await client.CallAsync("models.get_by_id_ex", new { })).Fails(400, 11);
        // The request is get_all_ex's (models.conf: get_by_id_ex "2.11" = get_all_ex "2.1"), so id is a list.
        var models = (await client.CallAsync("models.get_by_id_ex", new { id = new[] { id } })).Ok()["models"]!.AsArray();
        Assert.Equal(id, Assert.Single(models)!["id"].Text());
        Assert.Equal(project, models[0]!["project"]!["id"].Text());
    }
}
