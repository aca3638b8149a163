using Cairn.Server.Tests.Events;
using Cairn.Server.Tests.Models;
using Cairn.Server.Tests.Tasks;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Projects;

/// <summary>
/// The lists behind the web UI's menus, over HTTP: <c>projects.get_model_metadata_keys</c>,
/// <c>get_model_metadata_values</c>, <c>get_unique_metric_variants</c>, <c>get_task_tags</c>, and
/// <c>task.project</c> in <c>models.get_all_ex</c>'s projection.
/// </summary>
public sealed class ProjectMenusTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private async Task<(string Parent, string Child, string Other)> ProjectsAsync(ApiClient client)
    {
        var parentName = ModelsApi.Unique("Menus");
        var parent = (await client.CallAsync("projects.create", new { name = parentName })).Ok()["id"]!.GetValue<string>();
        var child = (await client.CallAsync("projects.create", new { name = parentName + "/Child" })).Ok()["id"]!.GetValue<string>();
        var other = await client.CreateProjectAsync("MenusOther");
        return (parent, child, other);
    }

    private static async Task SetMetadataAsync(ApiClient client, string model, params (string Key, string Value)[] items) =>
        (await client.CallAsync("models.add_or_update_metadata", new
        {
            model,
            metadata = items.Select(i => new { key = i.Key, type = "str", value = i.Value }).ToArray(),
        })).Ok();

    [Fact]
    public async Task Metadata_keys_cover_a_project_and_its_subprojects_a_page_at_a_time()
    {
        using var client = _server.Client();
        var (parent, child, other) = await ProjectsAsync(client);
        await SetMetadataAsync(client, await client.CreateModelAsync("keys one", new { project = parent }), ("dataset", "v1"), ("epochs", "10"));
        await SetMetadataAsync(client, await client.CreateModelAsync("keys two", new { project = child }), ("dataset", "v2"), ("lr.schedule", "cosine"));
        await SetMetadataAsync(client, await client.CreateModelAsync("keys three", new { project = other }), ("elsewhere", "x"));

        var deep = (await client.CallAsync("projects.get_model_metadata_keys", new { project = parent })).Ok();
        Assert.Equal(["dataset", "epochs", "lr.schedule"], deep["keys"].Strings());
        Assert.Equal(3, deep["total"]!.GetValue<int>());
        Assert.Equal(0, deep["remaining"]!.GetValue<int>());

        var shallow = (await client.CallAsync("projects.get_model_metadata_keys", new { project = parent, include_subprojects = false })).Ok();
        Assert.Equal(["dataset", "epochs"], shallow["keys"].Strings());

        var second = (await client.CallAsync("projects.get_model_metadata_keys", new { project = parent, page = 1, page_size = 2 })).Ok();
        Assert.Equal(["lr.schedule"], second["keys"].Strings());
        Assert.Equal(0, second["remaining"]!.GetValue<int>());
        var first = (await client.CallAsync("projects.get_model_metadata_keys", new { project = parent, page = 0, page_size = 2 })).Ok();
        Assert.Equal(1, first["remaining"]!.GetValue<int>());

        Assert.Contains("elsewhere", (await client.CallAsync("projects.get_model_metadata_keys", new { })).Ok()["keys"].Strings());
    }

    [Fact]
    public async Task Metadata_values_are_the_distinct_values_of_one_key()
    {
        using var client = _server.Client();
        var (parent, child, other) = await ProjectsAsync(client);
        await SetMetadataAsync(client, await client.CreateModelAsync("values one", new { project = parent }), ("dataset", "v2"), ("other", "no"));
        await SetMetadataAsync(client, await client.CreateModelAsync("values two", new { project = child }), ("dataset", "v1"));
        await SetMetadataAsync(client, await client.CreateModelAsync("values three", new { project = child }), ("dataset", "v2"));
        await SetMetadataAsync(client, await client.CreateModelAsync("values four", new { project = other }), ("dataset", "v9"));

        var values = (await client.CallAsync("projects.get_model_metadata_values", new { projects = new[] { parent }, key = "dataset" })).Ok();
        Assert.Equal(["v1", "v2"], values["values"].Strings());
        Assert.Equal(2, values["total"]!.GetValue<int>());

        var paged = (await client.CallAsync("projects.get_model_metadata_values", new { projects = new[] { parent }, key = "dataset", page = 1, page_size = 1 })).Ok();
        Assert.Equal(["v2"], paged["values"].Strings());
        Assert.Equal(0, paged["remaining"]!.GetValue<int>());
    }

    [Fact]
    public async Task Metric_variants_come_from_the_models_or_the_tasks_last_metrics()
    {
        using var client = _server.Client();
        var (parent, child, _) = await ProjectsAsync(client);
        var model = await client.CreateModelAsync("metrics model", new { project = child, ready = false });
        (await client.AddBatchAsync(
            EventsApi.Scalar(model, 1, 0.5, metric: "loss", variant: "train", model: true),
            EventsApi.Scalar(model, 1, 0.9, metric: "accuracy", variant: "val", model: true))).Ok();
        var task = await client.CreateTaskAsync(extra: new { project = parent });
        (await client.AddBatchAsync(EventsApi.Scalar(task, 1, 3.0, metric: "task metric", variant: "v"))).Ok();

        var models = (await client.CallAsync("projects.get_unique_metric_variants", new { project = parent, model_metrics = true })).Ok()["metrics"]!.AsArray();
        Assert.Equal(["accuracy/val", "loss/train"], models.Select(m => $"{m!["metric"]}/{m["variant"]}").ToList());
        Assert.All(models, m => Assert.Equal(32, m!["metric_hash"]!.GetValue<string>().Length));

        var tasks = (await client.CallAsync("projects.get_unique_metric_variants", new { project = parent })).Ok()["metrics"]!.AsArray();
        Assert.Equal(["task metric/v"], tasks.Select(m => $"{m!["metric"]}/{m["variant"]}").ToList());
    }

    [Fact]
    public async Task Task_tags_of_a_project_include_its_subprojects()
    {
        using var client = _server.Client();
        var (parent, child, other) = await ProjectsAsync(client);
        await client.CreateTaskAsync(extra: new { project = parent, tags = new[] { "b", "a" }, system_tags = new[] { "sys" } });
        await client.CreateTaskAsync(extra: new { project = child, tags = new[] { "c" } });
        await client.CreateTaskAsync(extra: new { project = other, tags = new[] { "elsewhere" } });

        var plain = (await client.CallAsync("projects.get_task_tags", new { projects = new[] { parent } })).Ok();
        Assert.Equal(["a", "b", "c"], plain["tags"].Strings());
        Assert.False(plain.ContainsKey("system_tags"));
        var withSystem = (await client.CallAsync("projects.get_task_tags", new { projects = new[] { parent }, include_system = true })).Ok();
        Assert.Equal(["sys"], withSystem["system_tags"].Strings());
    }

    [Fact]
    public async Task Get_all_ex_returns_the_creating_tasks_project()
    {
        using var client = _server.Client();
        var (parent, child, _) = await ProjectsAsync(client);
        var task = await client.CreateTaskAsync(extra: new { project = parent });
        var model = await client.CreateModelAsync("model of a task", new { project = child, task });

        var found = (await client.CallAsync("models.get_all_ex", new { id = new[] { model }, only_fields = new[] { "name", "task.name", "task.project" } })).Ok()["models"]!.AsArray();
        var taskReference = found.Single()!["task"]!;
        Assert.Equal(task, taskReference["id"]!.GetValue<string>());
        Assert.Equal(parent, taskReference["project"]!["id"]!.GetValue<string>());

        (await client.CallAsync("models.get_all_ex", new { only_fields = new[] { "task.nonsense" } })).Fails(400, 14);
    }

    [Theory]
    [InlineData("projects.get_model_metadata_values", """{"projects": []}""", 11)]
    [InlineData("projects.get_model_metadata_values", """{"key": 5}""", 12)]
    [InlineData("projects.get_model_metadata_keys", """{"page": -1}""", 12)]
    [InlineData("projects.get_model_metadata_keys", """{"page_size": 0}""", 12)]
    [InlineData("projects.get_model_metadata_keys", """{"project": ["a"]}""", 12)]
    [InlineData("projects.get_unique_metric_variants", """{"model_metrics": "yes"}""", 12)]
    [InlineData("projects.get_task_tags", """{"projects": "not-a-list"}""", 12)]
    public async Task Bad_input_is_400(string endpoint, string body, int subcode)
    {
        using var client = _server.Client();
        (await client.CallAsync(endpoint, body)).Fails(400, subcode);
    }
}
