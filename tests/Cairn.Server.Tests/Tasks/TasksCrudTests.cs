using System.Text.Json.Nodes;
using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary><c>tasks.create</c>, <c>get_by_id</c>, <c>edit</c>, <c>update</c>, <c>set_requirements</c> and <c>ping</c> (api.md §5.1–5.2).</summary>
public sealed class TasksCrudTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task A_task_created_as_the_sdk_does_reads_back_with_the_objects_the_sdk_dereferences()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("tasks crud");
        var id = await client.CreateTaskAsync("  sdk task  ", new { name = "  sdk task  ", project, comment = "auto", system_tags = new[] { "development" } });
        var task = await client.GetTaskAsync(id);
        Assert.Equal(id, task["id"].Text());
        Assert.Equal("sdk task", task["name"].Text());
        Assert.Equal("training", task["type"].Text());
        Assert.Equal("created", task["status"].Text());
        Assert.Equal(project, task["project"].Text());
        Assert.Equal(ModelsApi.Company, task["company"].Text());
        Assert.Equal(["development"], task["system_tags"].Strings());
        Assert.NotNull(task["output"]!.AsObject());
        Assert.Empty(task["execution"]!["artifacts"]!.AsArray());
        Assert.Empty(task["models"]!["input"]!.AsArray());
        Assert.Empty(task["models"]!["output"]!.AsArray());
        Assert.NotNull(task["created"]);
        Assert.Equal(0, task["last_iteration"]!.GetValue<long>());
    }

    [Fact]
    public async Task Create_keeps_every_section_and_maps_output_dest_and_artifacts()
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync("input for create");
        var id = await client.CreateTaskAsync(extra: new
        {
            output_dest = "s3://bucket/out",
            execution = new { framework = "PyTorch", artifacts = new object[] { new { key = "b", type = "dict" }, new { key = "a", type = "str", mode = "input" } } },
            script = new { repository = "git@x", entry_point = "train.py" },
            hyperparams = new { Args = new { lr = new { value = "0.1" } }, @__odd = new { x_y = new { value = "1" } } },
            configuration = new { General = new { value = "{}", type = "dictionary" } },
            models = new { input = new[] { new { name = "base", model } } },
            container = new { image = "python:3.11" },
            runtime = new { progress = "0" },
        });
        var task = await client.GetTaskAsync(id);
        Assert.Equal("s3://bucket/out", task["output"]!["destination"].Text());
        Assert.Equal("PyTorch", task["execution"]!["framework"].Text());
        Assert.Equal(["a", "b"], task["execution"]!["artifacts"]!.AsArray().Select(a => a!["key"].Text()));
        Assert.Equal("output", task["execution"]!["artifacts"]![1]!["mode"].Text());
        Assert.Equal("train.py", task["script"]!["entry_point"].Text());
        Assert.Equal("0.1", task["hyperparams"]!["Args"]!["lr"]!["value"].Text());
        Assert.Equal("Args", task["hyperparams"]!["Args"]!["lr"]!["section"].Text());
        Assert.Equal("1", task["hyperparams"]!["__odd"]!["x_y"]!["value"].Text());
        Assert.Equal("dictionary", task["configuration"]!["General"]!["type"].Text());
        Assert.Equal(model, task["models"]!["input"]![0]!["model"].Text());
        Assert.NotNull(task["models"]!["input"]![0]!["updated"]);
        Assert.Equal("python:3.11", task["container"]!["image"].Text());
        Assert.Equal("0", task["runtime"]!["progress"].Text());
    }

    [Fact]
    public async Task Edit_merges_embedded_objects_one_level_deep()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync(extra: new { script = new { repository = "r", branch = "main" }, execution = new { framework = "x", model_desc = new { a = 1 } } });
        var data = (await client.CallAsync("tasks.edit", new { task = id, force = true, script = new { branch = "dev", diff = "d" }, execution = new { model_desc = new { b = 2 } } })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());
        var task = await client.GetTaskAsync(id);
        Assert.Equal("r", task["script"]!["repository"].Text());
        Assert.Equal("dev", task["script"]!["branch"].Text());
        Assert.Equal("d", task["script"]!["diff"].Text());
        Assert.Equal("x", task["execution"]!["framework"].Text());
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["b"] = 2 }, task["execution"]!["model_desc"]));

        (await client.CallAsync("tasks.edit", new { task = id, output_dest = "file:///out" })).Ok();
        Assert.Equal("file:///out", (await client.GetTaskAsync(id))["output"]!["destination"].Text());
    }

    [Fact]
    public async Task Edit_of_a_started_task_needs_force_else_400_110()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        (await client.CallAsync("tasks.edit", new { task = id, comment = "no" })).Fails(400, 110);
        Assert.Null((await client.GetTaskAsync(id))["comment"]);
        (await client.CallAsync("tasks.edit", new { task = id, comment = "yes", force = true })).Ok();
        Assert.Equal("yes", (await client.GetTaskAsync(id))["comment"].Text());
    }

    [Fact]
    public async Task Update_writes_user_settable_fields_in_any_status()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        await client.ChangeAsync("completed", id);
        var data = (await client.CallAsync("tasks.update", new { task = id, name = "renamed task", tags = new[] { "z", "a" }, status_message = "done", output = new { error = "oops" } })).Ok();
        Assert.Equal(["a", "z"], data["fields"]!["tags"].Strings());
        var task = await client.GetTaskAsync(id);
        Assert.Equal("renamed task", task["name"].Text());
        Assert.Equal(["a", "z"], task["tags"].Strings());
        Assert.Equal("done", task["status_message"].Text());
        Assert.Equal("oops", task["output"]!["error"].Text());
    }

    [Fact]
    public async Task Set_requirements_writes_script_requirements_also_on_a_task_created_without_a_script()
    {
        using var client = _server.Client();
        var bare = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.set_requirements", new { task = bare, requirements = new { pip = "numpy" } })).Ok();
        var bareScript = (await client.GetTaskAsync(bare))["script"]!;
        Assert.Equal("numpy", bareScript["requirements"]!["pip"].Text());
        Assert.Equal("python", bareScript["binary"].Text());

        var id = await client.CreateTaskAsync(extra: new { script = new { entry_point = "a.py" } });
        var data = (await client.CallAsync("tasks.set_requirements", new { task = id, requirements = new { pip = "numpy==2" } })).Ok();
        Assert.Equal("numpy==2", data["fields"]!["script.requirements"]!["pip"].Text());
        var script = (await client.GetTaskAsync(id))["script"]!;
        Assert.Equal("a.py", script["entry_point"].Text());
        Assert.Equal("numpy==2", script["requirements"]!["pip"].Text());
    }

    [Fact]
    public async Task Ping_bumps_last_update()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        var before = DateTimeOffset.UtcNow.AddHours(-1);
        await TasksApi.SetLastUpdateAsync(_server, id, before);
        Assert.Empty((await client.CallAsync("tasks.ping", new { task = id })).Ok());
        var after = DateTimeOffset.Parse((await client.GetTaskAsync(id))["last_update"].Text(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(after > before, $"{after} should be after {before}");
        (await client.CallAsync("tasks.ping", new { task = ModelsApi.MissingId })).Fails(400, 101);
    }

    [Fact]
    public async Task A_task_created_without_a_script_has_clearml_default_script_and_an_empty_runtime()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        var task = await client.GetTaskAsync(id);
        Assert.Equal("python", task["script"]!["binary"].Text());
        Assert.Equal("", task["script"]!["repository"].Text());
        Assert.Equal("", task["script"]!["entry_point"].Text());
        Assert.Empty(task["runtime"]!.AsObject());

        // An edit of part of the script keeps the defaults under it (ClearML merges into its default document).
        (await client.CallAsync("tasks.edit", new { task = id, script = new { diff = "" } })).Ok();
        var edited = (await client.GetTaskAsync(id))["script"]!;
        Assert.Equal("python", edited["binary"].Text());
        Assert.Equal("", edited["diff"].Text());

        var listed = (await client.CallAsync("tasks.get_all", new { id = new[] { id }, only_fields = new[] { "script.binary", "runtime" } })).Ok()["tasks"]![0]!;
        Assert.Equal("python", listed["script"]!["binary"].Text());
    }
}
