using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary>The hyper-parameter and configuration calls the SDK makes (<c>get/edit/delete_hyper_params</c>, <c>…_configuration</c>).</summary>
public sealed class TasksParametersTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Hyper_params_are_edited_listed_queried_and_deleted_with_escaped_names()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.edit_hyper_params", new
        {
            task = id,
            hyperparams = new[]
            {
                new { section = "Args", name = "lr.base", value = "0.01", type = "float" },
                new { section = "Args", name = "epochs", value = "10", type = "int" },
                new { section = "$env", name = "_seed", value = "7", type = "int" },
            },
        })).Ok();
        var task = await client.GetTaskAsync(id);
        Assert.Equal("0.01", task["hyperparams"]!["Args"]!["lr.base"]!["value"].Text());
        Assert.Equal("7", task["hyperparams"]!["$env"]!["_seed"]!["value"].Text());

        var listed = (await client.CallAsync("tasks.get_hyper_params", new { tasks = new[] { id } })).Ok()["params"]![0]!;
        Assert.Equal(id, listed["task"].Text());
        Assert.Equal(3, listed["hyperparams"]!.AsArray().Count);

        // Query paths name keys escaped, as ClearML stores them.
        var found = (await client.CallAsync("tasks.get_all", new Dictionary<string, object> { ["hyperparams.Args.lr%2Ebase.value"] = "0.01", ["only_fields"] = new[] { "id" } })).Ok();
        Assert.Contains(id, found["tasks"]!.AsArray().Ids());

        (await client.CallAsync("tasks.edit_hyper_params", new { task = id, replace_hyperparams = "section", hyperparams = new[] { new { section = "Args", name = "batch", value = "32" } } })).Ok();
        Assert.Equal(["batch"], (await client.GetTaskAsync(id))["hyperparams"]!["Args"].Keys());

        var deleted = (await client.CallAsync("tasks.delete_hyper_params", new { task = id, hyperparams = new object[] { new { section = "$env" }, new { section = "Args", name = "nope" } } })).Ok();
        Assert.Equal(1, deleted["deleted"]!.GetValue<int>());
        Assert.Equal(["Args"], (await client.GetTaskAsync(id))["hyperparams"].Keys());
    }

    [Fact]
    public async Task Configuration_is_edited_listed_and_deleted()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.edit_configuration", new { task = id, configuration = new[] { new { name = "General", value = "a: 1", type = "yaml" }, new { name = "Other", value = "x", type = "str" } } })).Ok();
        var configurations = (await client.CallAsync("tasks.get_configurations", new { tasks = new[] { id }, names = new[] { "General" } })).Ok()["configurations"]![0]!;
        Assert.Equal("a: 1", Assert.Single(configurations["configuration"]!.AsArray())!["value"].Text());
        var names = (await client.CallAsync("tasks.get_configuration_names", new { tasks = new[] { id } })).Ok()["configurations"]![0]!;
        Assert.Equal(["General", "Other"], names["names"].Strings());

        Assert.Equal(1, (await client.CallAsync("tasks.delete_configuration", new { task = id, configuration = new[] { "Other" } })).Ok()["deleted"]!.GetValue<int>());
        Assert.Equal(["General"], (await client.GetTaskAsync(id))["configuration"].Keys());
    }

    [Fact]
    public async Task Parameters_of_a_running_task_need_force_else_400_110()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        (await client.CallAsync("tasks.edit_hyper_params", new { task = id, hyperparams = new[] { new { section = "A", name = "b", value = "c" } } })).Fails(400, 110);
        (await client.CallAsync("tasks.edit_configuration", new { task = id, configuration = new[] { new { name = "A", value = "c" } } })).Fails(400, 110);
        (await client.CallAsync("tasks.edit_configuration", new { task = id, force = true, configuration = new[] { new { name = "A", value = "c" } } })).Ok();
        Assert.Equal("c", (await client.GetTaskAsync(id))["configuration"]!["A"]!["value"].Text());
    }

    [Fact]
    public async Task User_properties_are_edited_and_deleted_in_any_status_while_other_sections_need_a_draft()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        await client.ChangeAsync("completed", id);

        // The SDK's set_user_properties sends section "properties"; any casing means it.
        (await client.CallAsync("tasks.edit_hyper_params", new { task = id, hyperparams = new[] { new { section = "Properties", name = "owner", value = "ana" }, new { section = "properties", name = "stage", value = "prod" } } })).Ok();
        var task = await client.GetTaskAsync(id);
        Assert.Equal(["properties"], task["hyperparams"].Keys());
        Assert.Equal("ana", task["hyperparams"]!["properties"]!["owner"]!["value"].Text());

        Assert.Equal(1, (await client.CallAsync("tasks.delete_hyper_params", new { task = id, hyperparams = new[] { new { section = "properties", name = "stage" } } })).Ok()["deleted"]!.GetValue<int>());
        Assert.Equal(["owner"], (await client.GetTaskAsync(id))["hyperparams"]!["properties"].Keys());

        // Mixed with another section it is a definition edit: a completed task refuses it, forced or not.
        (await client.CallAsync("tasks.edit_hyper_params", new { task = id, hyperparams = new[] { new { section = "properties", name = "a", value = "1" }, new { section = "Args", name = "b", value = "2" } } })).Fails(400, 110);
        (await client.CallAsync("tasks.edit_hyper_params", new { task = id, force = true, hyperparams = new[] { new { section = "Args", name = "b", value = "2" } } })).Fails(400, 110);
        (await client.CallAsync("tasks.delete_hyper_params", new { task = id, force = true, hyperparams = new[] { new { section = "Args" } } })).Fails(400, 110);
    }
}
