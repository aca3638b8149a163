using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary><c>tasks.clone</c> with ClearML's semantics (<c>TaskBLL.clone_task</c>): the definition is copied, the results are not.</summary>
public sealed class TasksCloneTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task A_clone_is_a_draft_child_with_the_definition_and_without_the_outputs()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Clone source");
        var input = await client.CreateModelAsync(ModelsApi.Unique("clone input"));
        var source = await client.CreateTaskAsync(extra: new
        {
            project,
            tags = new[] { "t1" },
            system_tags = new[] { "development", "keep" },
            script = new { entry_point = "train.py", repository = "https://example.com/r.git" },
            hyperparams = new { Args = new { lr = new { value = "0.1", type = "float" } } },
            configuration = new { General = new { name = "General", value = "a: 1", type = "yaml" } },
            output_dest = "http://files.example.com",
            execution = new
            {
                queue = "q1",
                model_labels = new { cat = 1 },
                artifacts = new object[]
                {
                    new { key = "data", type = "custom", mode = "input", uri = "http://x/data" },
                    new { key = "result", type = "custom", mode = "output", uri = "http://x/result" },
                },
            },
            models = new { input = new[] { new { name = "in", model = input } } },
        });
        var output = await client.CreateModelAsync(ModelsApi.Unique("clone output"));
        (await client.CallAsync("tasks.add_or_update_model", new { task = source, name = "out", model = output, type = "output" })).Ok();
        await client.ChangeAsync("started", source);
        await client.ChangeAsync("completed", source);

        var data = (await client.CallAsync("tasks.clone", new { task = source, new_task_name = "the clone" })).Ok();
        Assert.False(data.ContainsKey("new_project"));
        var clone = await client.GetTaskAsync(data["id"].Text());

        Assert.Equal("the clone", clone["name"].Text());
        Assert.Equal("created", clone["status"].Text());
        Assert.Equal(source, clone["parent"].Text());
        Assert.Equal(project, clone["project"].Text());
        Assert.Equal(["t1"], clone["tags"].Strings());
        Assert.Equal(["keep"], clone["system_tags"].Strings());
        Assert.Equal("train.py", clone["script"]!["entry_point"].Text());
        Assert.Equal("0.1", clone["hyperparams"]!["Args"]!["lr"]!["value"].Text());
        Assert.Equal("a: 1", clone["configuration"]!["General"]!["value"].Text());
        Assert.Equal("http://files.example.com", clone["output"]!["destination"].Text());
        Assert.Equal(input, Assert.Single(clone["models"]!["input"]!.AsArray())!["model"].Text());
        Assert.Empty(clone["models"]!["output"]!.AsArray());
        Assert.Equal("data", Assert.Single(clone["execution"]!["artifacts"]!.AsArray())!["key"].Text());
        Assert.Null(clone["execution"]!["queue"]);
        Assert.Equal(1, clone["execution"]!["model_labels"]!["cat"]!.GetValue<int>());
    }

    [Fact]
    public async Task Clone_takes_the_new_fields_and_execution_overrides()
    {
        using var client = _server.Client();
        var grandparent = await client.CreateTaskAsync();
        var source = await client.CreateTaskAsync(extra: new { parent = grandparent, comment = "old", execution = new { framework = "pytorch", test_split = 1 } });
        var project = await client.CreateProjectAsync("Clone target");
        var model = await client.CreateModelAsync(ModelsApi.Unique("override model"));

        var first = (await client.CallAsync("tasks.clone", new
        {
            task = source,
            new_task_comment = "new",
            new_task_tags = new[] { "x" },
            new_task_project = project,
            execution_overrides = new { framework = "keras", model, docker_cmd = "python:3.11 --gpus all" },
        })).Ok()["id"].Text();
        var clone = await client.GetTaskAsync(first);
        Assert.Equal("new", clone["comment"].Text());
        Assert.Equal(["x"], clone["tags"].Strings());
        Assert.Equal(project, clone["project"].Text());
        Assert.Equal(grandparent, clone["parent"].Text()); // The source's parent, when it has one.
        Assert.Equal("keras", clone["execution"]!["framework"].Text());
        Assert.Equal(1, clone["execution"]!["test_split"]!.GetValue<int>());
        Assert.Equal(model, Assert.Single(clone["models"]!["input"]!.AsArray())!["model"].Text());
        Assert.Equal("python:3.11", clone["container"]!["image"].Text());

        var parent = await client.CreateTaskAsync();
        var named = (await client.CallAsync("tasks.clone", new { task = source, new_task_parent = parent, new_project_name = "Clone made/sub project" })).Ok();
        Assert.Equal("Clone made/sub project", named["new_project"]!["name"].Text());
        var inNewProject = await client.GetTaskAsync(named["id"].Text());
        Assert.Equal(named["new_project"]!["id"].Text(), inNewProject["project"].Text());
        Assert.Equal(parent, inNewProject["parent"].Text());
    }

    [Fact]
    public async Task Clone_refuses_unknown_tasks_and_references_with_clearml_codes()
    {
        using var client = _server.Client();
        (await client.CallAsync("tasks.clone", new { })).Fails(400, 12);
        (await client.CallAsync("tasks.clone", new { task = "0123456789abcdef0123456789abcdef" })).Fails(400, 101);
        var source = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.clone", new { task = source, new_task_parent = "0123456789abcdef0123456789abcdef" })).Fails(400, 101);
        (await client.CallAsync("tasks.clone", new { task = source, new_task_project = "0123456789abcdef0123456789abcdef" })).Fails(400, 401);
        (await client.CallAsync("tasks.clone", new { task = source, new_task_input_models = new[] { new { name = "m", model = "nope" } } })).Fails(400, 201);
        (await client.CallAsync("tasks.clone", new { task = source, new_task_name = "x" })).Fails(400, 800);
        (await client.CallAsync("tasks.clone", new { task = source, new_task_tags = new[] { "__$not" } })).Fails(400, 16);
    }
}
