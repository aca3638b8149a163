using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary>
/// The multi-model endpoints: <c>publish_many</c>, <c>archive_many</c>, <c>unarchive_many</c> (api.md §1.7),
/// <c>make_public</c>/<c>make_private</c>, <c>move</c> and <c>update_tags</c> (§3.3).
/// </summary>
public sealed class ModelsBatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static JsonObject SucceededItem(JsonObject data, string id) =>
        data["succeeded"]!.AsArray().Single(i => i!["id"].Text() == id)!.AsObject();

    private static void AssertFailed(JsonObject data, string id, int code, int subcode)
    {
        var item = data["failed"]!.AsArray().SingleOrDefault(i => i!["id"].Text() == id);
        Assert.True(item is not null, $"{id} is not among the failed items: {data.ToJsonString()}");
        Assert.Equal([code, subcode], item!["error"]!["codes"]!.AsArray().Select(c => c!.GetValue<int>()));
        Assert.False(string.IsNullOrEmpty(item["error"]!["msg"].Text()));
    }

    [Fact]
    public async Task Publish_many_reports_each_id_and_answers_200_even_when_some_fail()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, status: "completed");
        var draft = await client.CreateModelAsync("Batch draft", new { ready = false, task });
        var ready = await client.CreateModelAsync("Batch ready");

        var response = await client.CallAsync("models.publish_many", new { ids = new[] { draft, ready, ModelsApi.MissingId } });
        Assert.Equal(200, response.Status);
        var data = response.Ok();
        Assert.Single(data["succeeded"]!.AsArray());
        var item = SucceededItem(data, draft);
        Assert.True(item["updated"]!.GetValue<bool>());
        Assert.Equal(task, item["published_task"]!["id"].Text());
        Assert.Equal(2, data["failed"]!.AsArray().Count);
        AssertFailed(data, ready, 400, 203);
        AssertFailed(data, ModelsApi.MissingId, 400, 201);

        Assert.True((await client.GetModelAsync(draft))["ready"]!.GetValue<bool>());
        Assert.Equal("published", (await StoreRows.TaskAsync(_server, task)).Status);
    }

    [Fact]
    public async Task Publish_many_can_leave_the_tasks_alone()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, status: "completed");
        var draft = await client.CreateModelAsync("Batch draft no task", new { ready = false, task });
        var data = (await client.CallAsync("models.publish_many", new { ids = new[] { draft }, publish_task = false })).Ok();
        Assert.True(SucceededItem(data, draft)["updated"]!.GetValue<bool>());
        Assert.Empty(data["failed"]!.AsArray());
        Assert.Equal("completed", (await StoreRows.TaskAsync(_server, task)).Status);
    }

    [Fact]
    public async Task Archive_many_and_unarchive_many_toggle_the_archived_system_tag()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Batch archive", new { system_tags = new[] { "keep" } });

        var archived = (await client.CallAsync("models.archive_many", new { ids = new[] { id, ModelsApi.MissingId } })).Ok();
        Assert.True(SucceededItem(archived, id)["archived"]!.GetValue<bool>());
        AssertFailed(archived, ModelsApi.MissingId, 400, 201);
        Assert.Equal(["archived", "keep"], (await client.GetModelAsync(id))["system_tags"].Strings());

        var unarchived = (await client.CallAsync("models.unarchive_many", new { ids = new[] { id, ModelsApi.MissingId } })).Ok();
        Assert.True(SucceededItem(unarchived, id)["unarchived"]!.GetValue<bool>());
        AssertFailed(unarchived, ModelsApi.MissingId, 400, 201);
        Assert.Equal(["keep"], (await client.GetModelAsync(id))["system_tags"].Strings());
    }

    [Fact]
    public async Task Archived_models_are_left_out_by_the_sdks_query()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Batch sdk archive");
        var kept = await client.CreateModelAsync("Batch kept", new { project });
        var gone = await client.CreateModelAsync("Batch gone", new { project });
        (await client.CallAsync("v2.23/models.archive_many", new { ids = new[] { gone } })).Ok();
        var found = await client.GetAllModelsAsync(new { project = new[] { project }, system_tags = new[] { "-archived" }, only_fields = new[] { "id" } });
        Assert.Equal([kept], found.Ids());
    }

    [Fact]
    public async Task Batch_endpoints_need_at_least_one_id()
    {
        using var client = _server.Client();
        (await client.CallAsync("models.archive_many", new { ids = Array.Empty<string>() })).Fails(400, 12);
        (await client.CallAsync("models.publish_many", new { ids = Array.Empty<string>() })).Fails(400, 12);
        (await client.CallAsync("models.delete_many", new { ids = Array.Empty<string>() })).Fails(400, 12);
    }

    [Fact]
    public async Task A_public_model_stays_readable_but_refuses_writes_until_made_private()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Batch public");
        var id = await client.CreateModelAsync("Batch public model", new { project });

        var data = (await client.CallAsync("models.make_public", new { ids = new[] { id } })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());
        var model = await client.GetModelAsync(id);
        Assert.Equal("", model["company"].Text());
        Assert.Equal([id], (await client.GetAllModelsAsync(new { project = new[] { project } })).Ids());
        (await client.CallAsync("models.edit", new { model = id, comment = "nope" })).Fails(400, 201);
        (await client.CallAsync("models.update", new { model = id, comment = "nope" })).Fails(400, 201);
        (await client.CallAsync("models.add_or_update_metadata", new { model = id, metadata = new[] { new { key = "k", type = "str", value = "v" } } })).Fails(400, 201);
        (await client.CallAsync("models.delete", new { model = id })).Fails(400, 201);

        Assert.Equal(1, (await client.CallAsync("models.make_private", new { ids = new[] { id } })).Ok()["updated"]!.GetValue<int>());
        Assert.Equal(ModelsApi.Company, (await client.GetModelAsync(id))["company"].Text());
        (await client.CallAsync("models.edit", new { model = id, comment = "yes" })).Ok();
        Assert.Equal("yes", (await client.GetModelAsync(id))["comment"].Text());
    }

    [Fact]
    public async Task A_model_created_public_is_readable_but_not_writable()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Born public", new { @public = true });
        Assert.Equal("", (await client.GetModelAsync(id))["company"].Text());
        (await client.CallAsync("models.edit", new { model = id, comment = "nope" })).Fails(400, 201);
    }

    [Fact]
    public async Task Make_public_or_private_of_an_unknown_id_is_400_201()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Batch half known");
        (await client.CallAsync("models.make_public", new { ids = new[] { id, ModelsApi.MissingId } })).Fails(400, 201);
        (await client.CallAsync("models.make_private", new { ids = new[] { ModelsApi.MissingId } })).Fails(400, 201);
        // A company model was never public, so it cannot be made private.
        (await client.CallAsync("models.make_private", new { ids = new[] { id } })).Fails(400, 201);
    }

    [Fact]
    public async Task Move_by_project_name_finds_or_creates_the_project_tree()
    {
        using var client = _server.Client();
        var root = ModelsApi.Unique("Move target");
        var path = root + "/nested";
        var first = await client.CreateModelAsync("Move first");
        var second = await client.CreateModelAsync("Move second");

        var projectId = (await client.CallAsync("models.move", new { ids = new[] { first }, project_name = path })).Ok()["project_id"].Text();
        var created = (await client.CallAsync("projects.get_all", new { name = "^" + System.Text.RegularExpressions.Regex.Escape(root) + "(/nested)?$", order_by = new[] { "name" } })).Ok()["projects"]!.AsArray();
        Assert.Equal([root, path], created.Select(p => p!["name"].Text()));
        Assert.Equal(projectId, created[1]!["id"].Text());
        Assert.Equal(projectId, (await client.GetModelAsync(first))["project"].Text());

        var again = (await client.CallAsync("models.move", new { ids = new[] { second }, project_name = path })).Ok()["project_id"].Text();
        Assert.Equal(projectId, again);
        Assert.Equal(projectId, (await client.GetModelAsync(second))["project"].Text());
    }

    [Fact]
    public async Task Move_to_a_project_id_or_to_the_root()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Move by id");
        var id = await client.CreateModelAsync("Move by id model");
        Assert.Equal(project, (await client.CallAsync("models.move", new { ids = new[] { id }, project })).Ok()["project_id"].Text());
        Assert.Equal(project, (await client.GetModelAsync(id))["project"].Text());

        var toRoot = (await client.CallAsync("models.move", new { ids = new[] { id }, project = (string?)null })).Ok();
        Assert.True(toRoot.ContainsKey("project_id"));
        Assert.Null(toRoot["project_id"]);
        Assert.False((await client.GetModelAsync(id)).ContainsKey("project"));
    }

    [Fact]
    public async Task Move_needs_a_project_and_a_known_project_id()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Move refused");
        (await client.CallAsync("models.move", new { ids = new[] { id } })).Fails(400, 11);
        (await client.CallAsync("models.move", new { ids = new[] { id }, project = ModelsApi.MissingId })).Fails(400, 401);
        Assert.False((await client.GetModelAsync(id)).ContainsKey("project"));
    }

    [Fact]
    public async Task Update_tags_adds_and_removes_tags_and_counts_the_models()
    {
        using var client = _server.Client();
        var first = await client.CreateModelAsync("Tags first", new { tags = new[] { "old" } });
        var second = await client.CreateModelAsync("Tags second");

        var added = (await client.CallAsync("models.update_tags", new { ids = new[] { first, second, ModelsApi.MissingId }, add_tags = new[] { "y", "x" } })).Ok();
        Assert.Equal(2, added["updated"]!.GetValue<int>());
        Assert.Equal(["old", "x", "y"], (await client.GetModelAsync(first))["tags"].Strings());
        Assert.Equal(["x", "y"], (await client.GetModelAsync(second))["tags"].Strings());

        var removed = (await client.CallAsync("models.update_tags", new { ids = new[] { first }, remove_tags = new[] { "x", "old" } })).Ok();
        Assert.Equal(1, removed["updated"]!.GetValue<int>());
        Assert.Equal(["y"], (await client.GetModelAsync(first))["tags"].Strings());

        (await client.CallAsync("models.update_tags", new { ids = new[] { first } })).Fails(400, 12);
    }
}
