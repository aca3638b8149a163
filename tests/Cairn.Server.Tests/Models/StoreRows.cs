using System.Text.Json;
using Cairn.Testing;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary>
/// Rows written to and read from the server's SQLite file directly, for what has no endpoint yet:
/// tasks (the tasks service comes later) and a model's reported iteration (set by model events).
/// </summary>
internal static class StoreRows
{
    public sealed record TaskRow(string Status, long LastIteration, string? Output, long? Published);

    public sealed record TaskModelRow(string Name, string Model);

    /// <summary>Inserts a task of the test company and returns its id.</summary>
    public static async Task<string> InsertTaskAsync(TestServer server, string status = "created", string? project = null,
        string? name = null, long lastIteration = 0, object? execution = null, string company = ModelsApi.Company)
    {
        var id = Guid.NewGuid().ToString("N");
        await ExecuteAsync(server, """
            INSERT INTO tasks (id, company, project, name, status, created, last_update, last_iteration, execution)
            VALUES ($id, $company, $project, $name, $status, $now, $now, $iteration, $execution)
            """,
            ("$id", id), ("$company", company), ("$project", project), ("$name", name ?? $"task {id[..8]}"), ("$status", status),
            ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("$iteration", lastIteration),
            ("$execution", execution is null ? null : JsonSerializer.Serialize(execution)));
        return id;
    }

    /// <summary>Appends an entry to a task's <c>models.input</c> or <c>models.output</c> list.</summary>
    public static Task AddTaskModelAsync(TestServer server, string taskId, string kind, string name, string model) =>
        ExecuteAsync(server, """
            INSERT INTO task_models (task_id, kind, name, model, updated, position)
            VALUES ($task, $kind, $name, $model, $now,
                    (SELECT COALESCE(MAX(position) + 1, 0) FROM task_models WHERE task_id = $task AND kind = $kind))
            """,
            ("$task", taskId), ("$kind", kind), ("$name", name), ("$model", model), ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    public static async Task<List<TaskModelRow>> TaskModelsAsync(TestServer server, string taskId, string kind)
    {
        await using var connection = await OpenAsync(server);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, model FROM task_models WHERE task_id = $task AND kind = $kind ORDER BY position";
        command.Parameters.AddWithValue("$task", taskId);
        command.Parameters.AddWithValue("$kind", kind);
        var rows = new List<TaskModelRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new TaskModelRow(reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }

    public static async Task<TaskRow> TaskAsync(TestServer server, string taskId)
    {
        await using var connection = await OpenAsync(server);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, last_iteration, output, published FROM tasks WHERE id = $id";
        command.Parameters.AddWithValue("$id", taskId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"task {taskId} is gone");
        return new TaskRow(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3));
    }

    /// <summary>Sets a model's <c>last_iteration</c>, which only model events (not yet served) would raise.</summary>
    public static Task SetModelLastIterationAsync(TestServer server, string modelId, long iteration) =>
        ExecuteAsync(server, "UPDATE models SET last_iteration = $iteration WHERE id = $id", ("$iteration", iteration), ("$id", modelId));

    /// <summary>Back-dates a model's <c>last_update</c>, so that a test can see a write bump it.</summary>
    public static Task SetModelLastUpdateAsync(TestServer server, string modelId, DateTimeOffset lastUpdate) =>
        ExecuteAsync(server, "UPDATE models SET last_update = $value WHERE id = $id", ("$value", lastUpdate.ToUnixTimeMilliseconds()), ("$id", modelId));

    private static async Task ExecuteAsync(TestServer server, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(server);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static async Task<SqliteConnection> OpenAsync(TestServer server)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDir, "cairn.db")};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }
}
