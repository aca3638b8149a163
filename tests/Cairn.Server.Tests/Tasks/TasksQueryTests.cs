using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary><c>tasks.get_all</c> and <c>get_all_ex</c>: §4 filters for tasks, hidden tasks, projection, order and paging.</summary>
public sealed class TasksQueryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static async Task<List<string>> NamesAsync(ApiClient client, object body, string endpoint = "tasks.get_all") =>
        (await client.CallAsync(endpoint, body)).Ok()["tasks"]!.AsArray().Names();

    [Fact]
    public async Task Filters_by_project_tags_status_type_and_name_pattern()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("tasks query");
        var a = await client.CreateTaskAsync(extra: new { name = "alpha one", project, tags = new[] { "a", "b" } });
        await client.CreateTaskAsync(extra: new { name = "alpha two", project, tags = new[] { "a" }, type = "testing" });
        await client.CreateTaskAsync(extra: new { name = "beta", project, tags = new[] { "c" } });
        await client.ChangeAsync("started", a);

        Assert.Equal(["alpha one", "alpha two", "beta"], await NamesAsync(client, new { project = new[] { project }, order_by = new[] { "name" } }));
        Assert.Equal(["alpha two"], await NamesAsync(client, new { project = new[] { project }, tags = new[] { "a", "-b" } }));
        Assert.Equal(["alpha one"], await NamesAsync(client, new { project = new[] { project }, status = new[] { "in_progress" } }));
        Assert.Equal(["alpha two"], await NamesAsync(client, new { project = new[] { project }, type = new[] { "testing" } }));
        Assert.Equal(["alpha two", "alpha one"], await NamesAsync(client, new { project = new[] { project }, name = "^alpha", order_by = new[] { "-name" } }));
        Assert.Equal(["beta"], await NamesAsync(client, new { project = new[] { project }, filters = new { tags = new { any = new { include = new[] { "c" } } } } }));
        Assert.Equal(["alpha one"], await NamesAsync(client, new { project = new[] { project }, started = new[] { "2000-01-01", null } }));
    }

    [Fact]
    public async Task Hidden_tasks_are_left_out_unless_search_hidden_or_named_by_id()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("tasks hidden");
        var hidden = await client.CreateTaskAsync(extra: new { name = "hidden step", project, system_tags = new[] { "hidden" } });
        await client.CreateTaskAsync(extra: new { name = "visible", project });

        Assert.Equal(["visible"], await NamesAsync(client, new { project = new[] { project } }));
        Assert.Equal(["hidden step", "visible"], await NamesAsync(client, new { project = new[] { project }, search_hidden = true, order_by = "name" }));
        Assert.Equal(["hidden step"], await NamesAsync(client, new { id = new[] { hidden } }));
    }

    [Fact]
    public async Task Projection_paging_and_get_all_ex()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("tasks paging");
        for (var i = 0; i < 5; i++)
        {
            await client.CreateTaskAsync(extra: new { name = $"paged {i}", project });
        }
        var page = (await client.CallAsync("tasks.get_all", new { project = new[] { project }, only_fields = new[] { "name" }, order_by = "name", page = 1, page_size = 2 })).Ok()["tasks"]!.AsArray();
        Assert.Equal(["paged 2", "paged 3"], page.Names());
        Assert.Equal(["name"], page[0].Keys());

        var ex = (await client.CallAsync("tasks.get_all_ex", new { project = new[] { project }, only_fields = new[] { "name" }, order_by = "name" })).Ok()["tasks"]!.AsArray();
        Assert.Equal(5, ex.Count);
        Assert.Equal(["id", "name"], ex[0].Keys());

        var first = (await client.CallAsync("tasks.get_all", new { project = new[] { project }, scroll_id = (string?)null, size = 3 })).Ok();
        Assert.Equal(3, first["tasks"]!.AsArray().Count);
        var second = (await client.CallAsync("tasks.get_all", new { project = new[] { project }, scroll_id = first["scroll_id"].Text(), size = 3 })).Ok();
        Assert.Equal(2, second["tasks"]!.AsArray().Count);
    }

    [Fact]
    public async Task Get_all_ex_finds_the_tasks_that_use_or_made_a_model_as_the_lineage_view_asks()
    {
        using var client = _server.Client();
        var maker = await client.CreateTaskAsync();
        var model = await client.CreateModelAsync("lineage model", new { task = maker });
        (await client.CallAsync("tasks.add_or_update_model", new { task = maker, name = "w", model, type = "output" })).Ok();
        var user = await client.CreateTaskAsync(extra: new { models = new { input = new[] { new { name = "base", model } } } });
        var bystander = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.add_or_update_model", new { task = bystander, name = "other", model = "another model", type = "input" })).Ok();

        var usedBy = (await client.CallAsync("tasks.get_all_ex", new Dictionary<string, object> { ["models.input.model"] = new[] { model }, ["only_fields"] = new[] { "name" } })).Ok();
        Assert.Equal([user], usedBy["tasks"]!.AsArray().Ids());
        var madeBy = (await client.CallAsync("tasks.get_all_ex", new Dictionary<string, object> { ["models.output.model"] = new[] { model } })).Ok();
        Assert.Equal([maker], madeBy["tasks"]!.AsArray().Ids());
        var plain = (await client.CallAsync("tasks.get_all", new Dictionary<string, object> { ["models.output.model"] = new[] { model }, ["only_fields"] = new[] { "id" } })).Ok();
        Assert.Equal([maker], plain["tasks"]!.AsArray().Ids());
        var excluded = (await client.CallAsync("tasks.get_all", new Dictionary<string, object>
        {
            ["models.output.model"] = new[] { "-" + model },
            ["id"] = new[] { maker, user },
            ["only_fields"] = new[] { "id" },
        })).Ok();
        Assert.Equal([user], excluded["tasks"]!.AsArray().Ids());
    }

    [Fact]
    public async Task Get_by_id_ex_returns_the_named_tasks_with_their_ids_and_needs_an_id_400_11()
    {
        using var client = _server.Client();
        var a = await client.CreateTaskAsync();
        var b = await client.CreateTaskAsync(extra: new { system_tags = new[] { "hidden" } });
        var data = (await client.CallAsync("tasks.get_by_id_ex", new { id = new[] { a, b }, only_fields = new[] { "name" }, order_by = new[] { "created" } })).Ok();
        Assert.Equal([a, b], data["tasks"]!.AsArray().Ids());
        Assert.All(data["tasks"]!.AsArray(), t => Assert.NotNull(t!["name"]));
        (await client.CallAsync("tasks.get_by_id_ex", new { only_fields = new[] { "name" } })).Fails(400, 11);
    }
}
