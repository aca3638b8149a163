using Cairn.Testing;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Cairn.Server.Tests.Events;

/// <summary>
/// Task rows written to and read from the server's SQLite file directly: the tasks service is
/// built in parallel, and events only need a task to exist with a status.
/// </summary>
internal static class EventRows
{
    public const string Company = "d1bd92a3b039400cbafc60a7a5b1e52b";

    public const string OtherCompany = "0123456789abcdef0123456789abcdef";

    public sealed record TaskRow(long LastIteration, string? LastMetrics, long LastUpdate);

    public static async Task<string> InsertTaskAsync(TestServer server, string status = "in_progress", string company = Company, long lastUpdate = 0)
    {
        var id = Guid.NewGuid().ToString("N");
        await using var connection = await OpenAsync(server);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO tasks (id, company, name, status, created, last_update) VALUES ($id, $company, $name, $status, 0, $last_update)
            """;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$company", company);
        command.Parameters.AddWithValue("$name", $"task {id[..8]}");
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$last_update", lastUpdate);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
        return id;
    }

    public static async Task<TaskRow> TaskAsync(TestServer server, string id)
    {
        await using var connection = await OpenAsync(server);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_iteration, last_metrics, last_update FROM tasks WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"task {id} is gone");
        return new TaskRow(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2));
    }

    /// <summary>How many events (scalar points and others) the store holds for an entity.</summary>
    public static async Task<long> CountEventsAsync(TestServer server, string entity)
    {
        await using var connection = await OpenAsync(server);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM scalar_events WHERE series IN (SELECT id FROM event_series WHERE entity = $id))
                 + (SELECT COUNT(*) FROM other_events WHERE series IN (SELECT id FROM event_series WHERE entity = $id))
            """;
        command.Parameters.AddWithValue("$id", entity);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<SqliteConnection> OpenAsync(TestServer server)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDir, "cairn.db")};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }
}
