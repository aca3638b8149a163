using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary><c>tasks.*_many</c>, <c>stop</c>, <c>archive</c>, <c>get_types</c> and the queue calls Cairn does not serve.</summary>
public sealed class TasksBatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Archive_and_unarchive_many_report_each_id_and_fail_unknown_ones_alone()
    {
        using var client = _server.Client();
        var a = await client.CreateTaskAsync();
        var b = await client.CreateTaskAsync();
        const string unknown = "0123456789abcdef0123456789abcdef";

        var archived = (await client.CallAsync("tasks.archive_many", new { ids = new[] { a, b, unknown } })).Ok();
        Assert.Equal([a, b], archived["succeeded"]!.AsArray().Ids());
        Assert.True(archived["succeeded"]![0]!["archived"]!.GetValue<bool>());
        var failed = Assert.Single(archived["failed"]!.AsArray())!;
        Assert.Equal(unknown, failed["id"].Text());
        Assert.Equal([400, 101], failed["error"]!["codes"]!.AsArray().Select(c => c!.GetValue<int>()));
        Assert.Contains("archived", (await client.GetTaskAsync(a))["system_tags"].Strings());
        Assert.False((await client.CallAsync("tasks.archive_many", new { ids = new[] { a } })).Ok()["succeeded"]![0]!["archived"]!.GetValue<bool>());

        var unarchived = (await client.CallAsync("tasks.unarchive_many", new { ids = new[] { a } })).Ok();
        Assert.True(unarchived["succeeded"]![0]!["unarchived"]!.GetValue<bool>());
        Assert.DoesNotContain("archived", (await client.GetTaskAsync(a))["system_tags"].Strings());
        Assert.Equal(0, (await client.CallAsync("tasks.archive", new { tasks = new[] { b } })).Ok()["archived"]!.GetValue<int>()); // b is archived already.
        (await client.CallAsync("tasks.archive_many", new { ids = Array.Empty<string>() })).Fails(400, 12);
    }

    [Fact]
    public async Task Stop_publish_reset_and_delete_many_apply_the_single_task_rules_per_id()
    {
        using var client = _server.Client();
        var running = await client.CreateTaskAsync();
        await client.ChangeAsync("started", running);
        var draft = await client.CreateTaskAsync();

        var stopped = (await client.CallAsync("tasks.stop_many", new { ids = new[] { running, draft } })).Ok();
        Assert.Equal([running], stopped["succeeded"]!.AsArray().Ids());
        Assert.Equal("stopped", stopped["succeeded"]![0]!["fields"]!["status"].Text());
        Assert.StartsWith("Stopped by ", (await client.GetTaskAsync(running))["status_message"].Text(), StringComparison.Ordinal);
        Assert.Equal([400, 110], stopped["failed"]![0]!["error"]!["codes"]!.AsArray().Select(c => c!.GetValue<int>()));

        var published = (await client.CallAsync("tasks.publish_many", new { ids = new[] { running } })).Ok();
        Assert.Equal("published", published["succeeded"]![0]!["fields"]!["status"].Text());

        var reset = (await client.CallAsync("tasks.reset_many", new { ids = new[] { running, draft } })).Ok();
        Assert.Equal([draft], reset["succeeded"]!.AsArray().Ids()); // A published task is not reset without force.
        Assert.False(reset["succeeded"]![0]!["dequeued"]!.GetValue<bool>());

        var deleted = (await client.CallAsync("tasks.delete_many", new { ids = new[] { draft, running } })).Ok();
        Assert.Equal([draft], deleted["succeeded"]!.AsArray().Ids());
        Assert.True(deleted["succeeded"]![0]!["deleted"]!.GetValue<bool>());
        Assert.Equal([400, 123], deleted["failed"]![0]!["error"]!["codes"]!.AsArray().Select(c => c!.GetValue<int>()));
        (await client.CallAsync("tasks.get_by_id", new { task = draft })).Fails(400, 101);
        Assert.True((await client.CallAsync("tasks.delete_many", new { ids = new[] { running }, force = true })).Ok()["succeeded"]![0]!["deleted"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Get_types_lists_the_types_in_use_in_a_project_and_its_subprojects()
    {
        using var client = _server.Client();
        var parent = await client.CreateProjectAsync("Types");
        var child = (await client.CallAsync("projects.create", new { name = (await client.CallAsync("projects.get_by_id", new { project = parent })).Ok()["project"]!["name"].Text() + "/child" })).Ok()["id"].Text();
        await client.CreateTaskAsync(extra: new { project = parent, type = "testing" });
        await client.CreateTaskAsync(extra: new { project = child, type = "data_processing" });
        await client.CreateTaskAsync(extra: new { type = "inference" });

        Assert.Equal(["data_processing", "testing"], (await client.CallAsync("tasks.get_types", new { projects = new[] { parent } })).Ok()["types"].Strings());
        Assert.Contains("inference", (await client.CallAsync("tasks.get_types", new { })).Ok()["types"].Strings());
    }

    [Fact]
    public async Task Queue_calls_answer_clearml_not_supported_with_a_reason_rather_than_404()
    {
        using var client = _server.Client();
        var task = await client.CreateTaskAsync();
        foreach (var endpoint in new[] { "tasks.enqueue", "tasks.enqueue_many", "queues.get_all", "queues.get_default", "workers.get_all" })
        {
            var response = (await client.CallAsync(endpoint, new { task, ids = new[] { task } })).Fails(400, 1);
            Assert.Contains("not supported by Cairn", response.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Get_all_finds_tasks_by_search_text()
    {
        using var client = _server.Client();
        var word = "zebra" + Guid.NewGuid().ToString("N")[..6];
        var id = await client.CreateTaskAsync(extra: new { name = "about " + word });
        await client.CreateTaskAsync();
        var found = (await client.CallAsync("tasks.get_all", new { search_text = word, only_fields = new[] { "id" } })).Ok()["tasks"]!.AsArray();
        Assert.Equal([id], found.Ids());
    }
}
