using System.Text.Json.Nodes;
using Cairn.Server.Tests.Models;
using Cairn.Testing;

namespace Cairn.Server.Tests.Tasks;

/// <summary>The tasks-service calls the task tests share, made over HTTP like any client.</summary>
internal static class TasksApi
{
    /// <summary>Creates a training task; <paramref name="extra"/> adds or overrides request fields.</summary>
    public static async Task<string> CreateTaskAsync(this ApiClient client, string? name = null, object? extra = null)
    {
        var body = ModelsApi.Body(extra);
        body["name"] ??= ModelsApi.Unique("task");
        body["type"] ??= "training";
        return (await client.CallAsync("tasks.create", body)).Ok()["id"]!.GetValue<string>();
    }

    /// <summary>Back-dates a task's <c>last_update</c> in the server's database (what a silent client looks like).</summary>
    public static async Task SetLastUpdateAsync(TestServer server, string id, DateTimeOffset lastUpdate)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(server.DataDir, "cairn.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE tasks SET last_update = $value WHERE id = $id";
        command.Parameters.AddWithValue("$value", lastUpdate.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$id", id);
        Xunit.Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    public static async Task<JsonObject> GetTaskAsync(this ApiClient client, string id) =>
        (await client.CallAsync("tasks.get_by_id", new { task = id })).Ok()["task"]!.AsObject();

    public static async Task<string> StatusAsync(this ApiClient client, string id) =>
        (await client.GetTaskAsync(id))["status"]!.GetValue<string>();

    /// <summary>Calls a status endpoint (<c>started</c>, <c>stopped</c>…) and asserts it worked.</summary>
    public static async Task<JsonObject> ChangeAsync(this ApiClient client, string endpoint, string id, object? extra = null)
    {
        var body = ModelsApi.Body(extra);
        body["task"] = id;
        return (await client.CallAsync("tasks." + endpoint, body)).Ok();
    }
}
