using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary>
/// <c>tasks.get_all_ex</c>'s references over HTTP: <c>project</c>, <c>parent</c>, <c>user</c> and
/// <c>company</c> come back as <c>{id}</c> objects, with <c>name</c> joined when the projection asks.
/// </summary>
public sealed class TasksGetAllExTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Name_projections_join_the_project_user_and_parent_names()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("TasksEx");
        var projectName = (await client.CallAsync("projects.get_by_id", new { project })).Ok()["project"]!["name"].Text();
        var parentName = ModelsApi.Unique("ex parent");
        var parent = await client.CreateTaskAsync(extra: new { name = parentName, project });
        var child = await client.CreateTaskAsync(extra: new { project, parent, comment = "hidden by projection" });

        var task = (await client.CallAsync("tasks.get_all_ex", new
        {
            id = new[] { child },
            only_fields = new[] { "name", "project.name", "user.name", "parent.name" },
        })).Ok()["tasks"]![0]!.AsObject();
        Assert.Equal(["id", "name", "parent", "project", "user"], task.Keys().Order(StringComparer.Ordinal));
        Assert.Equal(child, task["id"].Text());
        Assert.Equal(project, task["project"]!["id"].Text());
        Assert.Equal(projectName, task["project"]!["name"].Text());
        Assert.Equal(parent, task["parent"]!["id"].Text());
        Assert.Equal(parentName, task["parent"]!["name"].Text());
        Assert.Equal("Test User", task["user"]!["name"].Text());
        Assert.False(string.IsNullOrEmpty(task["user"]!["id"].Text()));
    }

    [Fact]
    public async Task References_are_id_objects_without_names_unless_asked_and_plain_get_all_keeps_strings()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("TasksExIds");
        var orphan = await client.CreateTaskAsync(extra: new { project });

        var ex = (await client.CallAsync("tasks.get_all_ex", new { id = new[] { orphan } })).Ok()["tasks"]![0]!.AsObject();
        Assert.Equal(["id"], ex["project"]!.AsObject().Keys());
        Assert.Equal(project, ex["project"]!["id"].Text());
        Assert.Equal(ModelsApi.Company, ex["company"]!["id"].Text());
        Assert.False(ex.ContainsKey("parent") && ex["parent"]!.AsObject().ContainsKey("id"));

        var projected = (await client.CallAsync("tasks.get_all_ex", new { id = new[] { orphan }, only_fields = new[] { "project" } })).Ok()["tasks"]![0]!.AsObject();
        Assert.Equal(project, projected["project"]!["id"].Text());
        Assert.False(projected["project"]!.AsObject().ContainsKey("name"));

        var plain = (await client.CallAsync("tasks.get_all", new { id = new[] { orphan }, only_fields = new[] { "project" } })).Ok()["tasks"]![0]!;
        Assert.Equal(project, plain["project"].Text());
    }

    [Fact]
    public async Task A_deleted_parent_keeps_its_marked_id_without_a_name()
    {
        using var client = _server.Client();
        var parent = await client.CreateTaskAsync();
        var child = await client.CreateTaskAsync(extra: new { parent });
        (await client.CallAsync("tasks.delete", new { task = parent, force = true })).Ok();

        var task = (await client.CallAsync("tasks.get_all_ex", new { id = new[] { child }, only_fields = new[] { "parent.name" } })).Ok()["tasks"]![0]!;
        // ClearML marks a deleted parent's id in its children; nothing answers to it.
        Assert.Equal("__DELETED__" + parent, task["parent"]!["id"].Text());
        Assert.Null(task["parent"]!["name"]);
    }
}
