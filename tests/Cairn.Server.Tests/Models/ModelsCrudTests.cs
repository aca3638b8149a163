using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary><c>models.create</c>, <c>get_by_id</c>, <c>edit</c>, <c>update</c> and <c>get_frameworks</c> (api.md §3.1–3.3).</summary>
public sealed class ModelsCrudTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Create_returns_a_new_id_and_get_by_id_returns_the_whole_document()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Crud full");
        var created = (await client.CallAsync("models.create", new
        {
            name = "  Full document model  ",
            uri = "  s3://bucket/full.bin  ",
            comment = "a comment",
            tags = new[] { "b", "a" },
            system_tags = new[] { "sys" },
            framework = "PyTorch",
            design = new { design = "layers: 3" },
            labels = new Dictionary<string, int?> { ["cat"] = 1, ["dog"] = 2, ["background"] = null },
            project,
            metadata = new Dictionary<string, object> { ["epochs"] = new { key = "epochs", type = "int", value = "10" } },
        })).Ok();
        var id = created["id"].Text();
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.True(created["created"]!.GetValue<bool>());

        var model = await client.GetModelAsync(id);
        Assert.Equal(id, model["id"].Text());
        Assert.Equal("Full document model", model["name"].Text());
        Assert.Equal("s3://bucket/full.bin", model["uri"].Text());
        Assert.Equal("a comment", model["comment"].Text());
        Assert.Equal(["a", "b"], model["tags"].Strings());
        Assert.Equal(["sys"], model["system_tags"].Strings());
        Assert.Equal("PyTorch", model["framework"].Text());
        Assert.Equal("layers: 3", model["design"]!["design"].Text());
        Assert.Equal(1, model["labels"]!["cat"]!.GetValue<int>());
        Assert.Equal(2, model["labels"]!["dog"]!.GetValue<int>());
        Assert.True(model["labels"]!.AsObject().ContainsKey("background"));
        Assert.Null(model["labels"]!["background"]);
        Assert.Equal(project, model["project"].Text());
        Assert.Equal(ModelsApi.Company, model["company"].Text());
        Assert.False(string.IsNullOrEmpty(model["user"].Text()));
        Assert.True(model["ready"]!.GetValue<bool>(), "ready defaults to true when omitted");
        Assert.Equal(0, model["last_iteration"]!.GetValue<int>());
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{6})?\\+00:00$", model["created"].Text());
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{6})?\\+00:00$", model["last_update"].Text());
        var epochs = model["metadata"]!["epochs"]!;
        Assert.Equal(("epochs", "int", "10"), (epochs["key"].Text(), epochs["type"].Text(), epochs["value"].Text()));
        Assert.False(model.ContainsKey("parent"));
        Assert.False(model.ContainsKey("task"));
        Assert.False(model.ContainsKey("company_origin"));
    }

    [Fact]
    public async Task Ready_defaults_to_true_only_when_omitted()
    {
        using var client = _server.Client();
        var omitted = await client.CreateModelAsync("Ready omitted");
        var notReady = await client.CreateModelAsync("Ready false", new { ready = false });
        Assert.True((await client.GetModelAsync(omitted))["ready"]!.GetValue<bool>());
        Assert.False((await client.GetModelAsync(notReady))["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_sdks_create_call_makes_a_draft_model_in_the_project()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Crud sdk");
        var created = (await client.CallAsync("v2.23/models.create", new
        {
            uri = "http://127.0.0.1:8081/uploading_file",
            name = "Anonymous model 2025-01-05 10:11:12",
            labels = new { },
            ready = false,
            @public = false,
            project,
        })).Ok();
        Assert.True(created["created"]!.GetValue<bool>());
        var model = await client.GetModelAsync(created["id"].Text(), "v2.23/");
        Assert.False(model["ready"]!.GetValue<bool>());
        Assert.Equal(project, model["project"].Text());
        Assert.Equal(ModelsApi.Company, model["company"].Text());
        Assert.Equal("http://127.0.0.1:8081/uploading_file", model["uri"].Text());
        if (model["labels"] is { } labels)
        {
            Assert.Empty(labels.AsObject());
        }
        if (model["metadata"] is { } metadata)
        {
            Assert.Empty(metadata.AsObject());
        }
    }

    [Fact]
    public async Task Get_by_id_does_not_return_the_ui_cache()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("With ui cache", new { ui_cache = new { view = "grid" } });
        Assert.False((await client.GetModelAsync(id)).ContainsKey("ui_cache"));
        var cached = (await client.GetAllModelsAsync(new { id = new[] { id }, only_fields = new[] { "ui_cache" } }))[0]!;
        Assert.Equal("grid", cached["ui_cache"]!["view"].Text());
    }

    [Fact]
    public async Task Get_by_id_of_a_missing_model_is_400_201()
    {
        using var client = _server.Client();
        var response = (await client.CallAsync("models.get_by_id", new { model = ModelsApi.MissingId })).Fails(400, 201);
        Assert.StartsWith("invalid model id", response.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("   ab   ")]
    [InlineData(" x ")]
    public async Task A_name_shorter_than_three_characters_after_stripping_is_400_800(string name)
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Crud short");
        (await client.CallAsync("models.create", new { name, uri = "s3://b/x", project })).Fails(400, 800);
        Assert.Empty(await client.GetAllModelsAsync(new { project = new[] { project } }));
    }

    [Fact]
    public async Task A_missing_name_or_uri_is_400_11()
    {
        using var client = _server.Client();
        (await client.CallAsync("models.create", new { uri = "s3://b/x" })).Fails(400, 11);
        (await client.CallAsync("models.create", new { name = "No uri model" })).Fails(400, 11);
    }

    [Fact]
    public async Task Labels_must_be_ints_with_unique_non_null_values()
    {
        using var client = _server.Client();
        (await client.CallAsync("models.create", new { name = "Dup labels", uri = "s3://b/x", labels = new { a = 1, b = 1 } })).Fails(400, 800);
        (await client.CallAsync("models.create", new { name = "Text labels", uri = "s3://b/x", labels = new { a = "one" } })).Fails(400, 12);
        var id = await client.CreateModelAsync("Null labels", new { labels = new Dictionary<string, int?> { ["a"] = 1, ["b"] = null, ["c"] = null } });
        Assert.Equal(3, (await client.GetModelAsync(id))["labels"]!.AsObject().Count);
    }

    [Fact]
    public async Task A_tag_with_the_operator_prefix_is_400_16()
    {
        using var client = _server.Client();
        (await client.CallAsync("models.create", new { name = "Reserved tag", uri = "s3://b/x", tags = new[] { "ok", "__$all" } })).Fails(400, 16);
        (await client.CallAsync("models.create", new { name = "Reserved system tag", uri = "s3://b/x", system_tags = new[] { "__$not" } })).Fails(400, 16);
    }

    [Fact]
    public async Task References_to_unknown_project_parent_or_task_are_refused()
    {
        using var client = _server.Client();
        (await client.CallAsync("models.create", new { name = "Bad project", uri = "s3://b/x", project = ModelsApi.MissingId })).Fails(400, 12);
        (await client.CallAsync("models.create", new { name = "Bad parent", uri = "s3://b/x", parent = ModelsApi.MissingId })).Fails(400, 16);
        (await client.CallAsync("models.create", new { name = "Bad task", uri = "s3://b/x", task = ModelsApi.MissingId })).Fails(400, 101);
    }

    [Fact]
    public async Task Known_parent_and_task_references_are_stored()
    {
        using var client = _server.Client();
        var parent = await client.CreateModelAsync("Parent model");
        var task = await StoreRows.InsertTaskAsync(_server);
        var child = await client.GetModelAsync(await client.CreateModelAsync("Child model", new { parent, task }));
        Assert.Equal(parent, child["parent"].Text());
        Assert.Equal(task, child["task"].Text());
    }

    [Fact]
    public async Task Edit_writes_design_labels_framework_ready_and_task_and_reports_the_fields()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server);
        var id = await client.CreateModelAsync("Edited model", new { labels = new { old = 1 }, framework = "TensorFlow", design = new { design = "old" } });
        var data = (await client.CallAsync("models.edit", new
        {
            model = id,
            design = new { design = "new design" },
            labels = new { fresh = 7 },
            framework = "Keras",
            ready = false,
            task,
            comment = "edited",
        })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());
        var fields = data["fields"]!.AsObject();
        Assert.Equal("Keras", fields["framework"].Text());
        Assert.Equal(task, fields["task"].Text());
        Assert.False(fields["ready"]!.GetValue<bool>());
        Assert.Equal(7, fields["labels"]!["fresh"]!.GetValue<int>());
        Assert.True(fields.ContainsKey("last_change"));

        var model = await client.GetModelAsync(id);
        Assert.Equal("new design", model["design"]!["design"].Text());
        Assert.Equal(["fresh"], model["labels"].Keys());
        Assert.Equal("Keras", model["framework"].Text());
        Assert.False(model["ready"]!.GetValue<bool>());
        Assert.Equal(task, model["task"].Text());
        Assert.Equal("edited", model["comment"].Text());
    }

    [Fact]
    public async Task Edit_with_nothing_to_write_updates_nothing()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Idle edit");
        var data = (await client.CallAsync("models.edit", new { model = id })).Ok();
        Assert.Equal(0, data["updated"]!.GetValue<int>());
    }

    [Fact]
    public async Task Edit_of_the_uri_resets_the_ui_cache()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Cache reset", new { ui_cache = new { view = "grid" } });
        async Task<JsonObject> UiCache() =>
            (await client.GetAllModelsAsync(new { id = new[] { id }, only_fields = new[] { "ui_cache" } }))[0]!["ui_cache"]!.AsObject();

        (await client.CallAsync("models.edit", new { model = id, comment = "no uri here" })).Ok();
        Assert.Equal("grid", (await UiCache())["view"].Text());
        (await client.CallAsync("models.edit", new { model = id, uri = "s3://bucket/moved.bin" })).Ok();
        Assert.Empty(await UiCache());
        Assert.Equal("s3://bucket/moved.bin", (await client.GetModelAsync(id))["uri"].Text());
    }

    [Fact]
    public async Task Edit_with_an_iteration_raises_the_tasks_last_iteration()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, status: "in_progress", lastIteration: 3);
        var id = await client.CreateModelAsync("Iterating model");
        (await client.CallAsync("models.edit", new { model = id, task, iteration = 7 })).Ok();
        Assert.Equal(7, (await StoreRows.TaskAsync(_server, task)).LastIteration);
        // Without a task in the request, the model's own task is used; the iteration only ever grows.
        await client.CallAsync("models.edit", new { model = id, iteration = 5 });
        Assert.Equal(7, (await StoreRows.TaskAsync(_server, task)).LastIteration);
        await client.CallAsync("models.edit", new { model = id, iteration = 12 });
        Assert.Equal(12, (await StoreRows.TaskAsync(_server, task)).LastIteration);
    }

    [Fact]
    public async Task Edit_works_on_a_ready_model()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Published edit");
        (await client.CallAsync("models.edit", new { model = id, comment = "still editable" })).Ok();
        Assert.Equal("still editable", (await client.GetModelAsync(id))["comment"].Text());
    }

    [Fact]
    public async Task Edit_validates_what_it_writes()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Validated edit");
        (await client.CallAsync("models.edit", new { model = id, project = ModelsApi.MissingId })).Fails(400, 16);
        (await client.CallAsync("models.edit", new { model = id, parent = ModelsApi.MissingId })).Fails(400, 16);
        (await client.CallAsync("models.edit", new { model = id, task = ModelsApi.MissingId })).Fails(400, 101);
        (await client.CallAsync("models.edit", new { model = id, labels = new { a = "x" } })).Fails(400, 12);
        (await client.CallAsync("models.edit", new { model = id, tags = new[] { "__$or" } })).Fails(400, 16);
        (await client.CallAsync("models.edit", new { model = id, name = " ab " })).Fails(400, 800);
        var model = await client.GetModelAsync(id);
        Assert.Equal("Validated edit", model["name"].Text());
        Assert.False(model.ContainsKey("project"));
    }

    [Fact]
    public async Task Edit_drops_a_deleted_task_reference_silently()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Deleted task ref");
        var data = (await client.CallAsync("models.edit", new { model = id, task = "__DELETED__" + ModelsApi.MissingId })).Ok();
        Assert.Equal(0, data["updated"]!.GetValue<int>());
        Assert.False((await client.GetModelAsync(id)).ContainsKey("task"));
    }

    [Fact]
    public async Task Update_writes_only_the_user_settable_fields()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Crud update");
        var task = await StoreRows.InsertTaskAsync(_server);
        var id = await client.CreateModelAsync("Before update", new
        {
            framework = "PyTorch",
            labels = new { cat = 1 },
            design = new { design = "original" },
            ui_cache = new { view = "grid" },
        });
        var data = (await client.CallAsync("models.update", new
        {
            model = id,
            name = "After update",
            comment = "updated comment",
            tags = new[] { "z", "y" },
            system_tags = new[] { "s" },
            created = "2020-03-01T00:00:00+00:00",
            uri = "s3://bucket/updated.bin",
            ui_cache = new { view = "list" },
            metadata = new Dictionary<string, object> { ["lr"] = new { key = "lr", type = "float", value = "0.1" } },
            project,
            ready = false,
            framework = "Keras",
            labels = new { dog = 2 },
            design = new { design = "replaced" },
            task,
        })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());
        Assert.Equal("After update", data["fields"]!["name"].Text());

        var model = await client.GetModelAsync(id);
        Assert.Equal("After update", model["name"].Text());
        Assert.Equal("updated comment", model["comment"].Text());
        Assert.Equal(["y", "z"], model["tags"].Strings());
        Assert.Equal(["s"], model["system_tags"].Strings());
        Assert.Equal("2020-03-01T00:00:00+00:00", model["created"].Text());
        Assert.Equal("s3://bucket/updated.bin", model["uri"].Text());
        Assert.Equal("0.1", model["metadata"]!["lr"]!["value"].Text());
        Assert.Equal(project, model["project"].Text());
        var cached = (await client.GetAllModelsAsync(new { id = new[] { id }, only_fields = new[] { "ui_cache" } }))[0]!;
        Assert.Equal("list", cached["ui_cache"]!["view"].Text());

        // Not user-settable: silently ignored.
        Assert.True(model["ready"]!.GetValue<bool>());
        Assert.Equal("PyTorch", model["framework"].Text());
        Assert.Equal(["cat"], model["labels"].Keys());
        Assert.Equal("original", model["design"]!["design"].Text());
        Assert.False(model.ContainsKey("task"));
    }

    [Fact]
    public async Task Get_frameworks_lists_distinct_frameworks_sorted_optionally_per_project_tree()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Frameworks");
        var projectName = (await client.CallAsync("projects.get_by_id", new { project })).Ok()["project"]!["name"].Text();
        var sub = (await client.CallAsync("projects.create", new { name = projectName + "/sub" })).Ok()["id"].Text();
        var other = await client.CreateProjectAsync("Frameworks other");
        await client.CreateModelAsync("Fw torch 1", new { project, framework = "PyTorch" });
        await client.CreateModelAsync("Fw torch 2", new { project, framework = "PyTorch" });
        await client.CreateModelAsync("Fw tf", new { project, framework = "TensorFlow" });
        await client.CreateModelAsync("Fw none", new { project });
        await client.CreateModelAsync("Fw keras", new { project = sub, framework = "Keras" });
        await client.CreateModelAsync("Fw onnx", new { project = other, framework = "ONNX" });

        var scoped = (await client.CallAsync("models.get_frameworks", new { projects = new[] { project } })).Ok()["frameworks"].Strings();
        Assert.Equal(["Keras", "PyTorch", "TensorFlow"], scoped);

        var all = (await client.CallAsync("models.get_frameworks", new { })).Ok()["frameworks"].Strings();
        Assert.Equal(all.Distinct().Order(StringComparer.Ordinal), all);
        Assert.Contains("ONNX", all);
        Assert.Contains("PyTorch", all);
        Assert.DoesNotContain("", all);
    }
}
