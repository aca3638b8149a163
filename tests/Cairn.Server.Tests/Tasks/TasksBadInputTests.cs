using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary>Malformed task requests get ClearML's codes and change nothing.</summary>
public sealed class TasksBadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    public static TheoryData<string, string, int> BadCreates => new()
    {
        { "missing name", """{"type": "training"}""", 12 },
        { "missing type", """{"name": "no type"}""", 12 },
        { "unknown type", """{"name": "bad type", "type": "mystery"}""", 12 },
        { "short name", """{"name": " ab ", "type": "training"}""", 800 },
        { "unknown project", """{"name": "lost task", "type": "training", "project": "0123456789abcdef0123456789abcdef"}""", 401 },
        { "unknown parent", """{"name": "orphan", "type": "training", "parent": "0123456789abcdef0123456789abcdef"}""", 101 },
        { "unknown input model", """{"name": "no input", "type": "training", "models": {"input": [{"name": "a", "model": "0123456789abcdef0123456789abcdef"}]}}""", 201 },
        { "reserved tag", """{"name": "bad tag", "type": "training", "tags": ["__$all"]}""", 16 },
        { "name not a string", """{"name": 5, "type": "training"}""", 12 },
        { "empty hyperparam section", """{"name": "bad params", "type": "training", "hyperparams": {" ": {"a": {"value": "1"}}}}""", 12 },
        { "artifact without key", """{"name": "bad artifact", "type": "training", "execution": {"artifacts": [{"type": "str"}]}}""", 12 },
    };

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task Bad_creates_are_refused_with_clearml_codes(string why, string body, int subcode)
    {
        using var client = _server.Client();
        var response = await client.CallAsync("tasks.create", body);
        Assert.True(response.Subcode == subcode, $"{why}: expected 400/{subcode}, got {response.Status}/{response.Subcode}: {response.Message}");
        response.Fails(400, subcode);
    }

    [Theory]
    [InlineData("tasks.get_by_id")]
    [InlineData("tasks.edit")]
    [InlineData("tasks.started")]
    [InlineData("tasks.publish")]
    [InlineData("tasks.reset")]
    [InlineData("tasks.delete")]
    [InlineData("tasks.ping")]
    public async Task Unknown_task_ids_are_400_101(string endpoint)
    {
        using var client = _server.Client();
        (await client.CallAsync(endpoint, new { task = ModelsApi.MissingId, force = true })).Fails(400, 101);
    }

    [Fact]
    public async Task Bad_model_and_artifact_requests_are_400_12_and_change_nothing()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "w", model = "m", type = "sideways" })).Fails(400, 12);
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "w", type = "output" })).Fails(400, 12);
        (await client.CallAsync("tasks.add_or_update_artifacts", new { task = id, artifacts = Array.Empty<object>() })).Fails(400, 12);
        (await client.CallAsync("tasks.add_or_update_artifacts", new { task = id, artifacts = new[] { new { key = "k", type = "t", mode = "both" } } })).Fails(400, 12);
        (await client.CallAsync("tasks.set_requirements", new { task = id })).Fails(400, 12);
        (await client.CallAsync("tasks.edit_hyper_params", new { task = id, replace_hyperparams = "some", hyperparams = new[] { new { section = "a", name = "b" } } })).Fails(400, 12);
        (await client.CallAsync("tasks.get_all", new { status = new[] { 5 } })).Fails(400, 16);
        (await client.CallAsync("tasks.get_all", new { name = "(" })).Fails(400, 21);
        (await client.CallAsync("tasks.get_by_id", new { })).Fails(400, 12);
        var task = await client.GetTaskAsync(id);
        Assert.Empty(task["models"]!["output"]!.AsArray());
        Assert.Empty(task["execution"]!["artifacts"]!.AsArray());
    }

    [Fact]
    public async Task A_status_change_that_lost_a_race_is_400_121()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        // Two starts racing: whichever loses the compare-and-set must be 400/121 (or see the new
        // status and pass, since in_progress → in_progress is allowed). Neither may be a 500.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.CallAsync("tasks.started", new { task = id })));
        Assert.All(results, r => Assert.True(r.Status == 200 || (r.Status == 400 && r.Subcode == 121), $"{r.Status}/{r.Subcode}: {r.Message}"));
        Assert.Equal("in_progress", await client.StatusAsync(id));
    }
}
