using Cairn.Core.Storage;
using Cairn.Store.Contracts;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite.Tests.Sqlite;

/// <summary>
/// The SQLite provider under test: each store is a new file in the temp directory, deleted (with
/// its WAL and shared-memory files) when the provider is disposed.
/// </summary>
public sealed class SqliteStoreProvider : IStoreProvider
{
    private readonly List<string> _paths = [];

    public int LatestSchemaVersion => SqliteDatabase.Migrations[^1].Version;

    public IMetadataStore CreateStore()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cairn-store-test-{Guid.NewGuid():N}.db");
        _paths.Add(path);
        return new SqliteMetadataStore(path);
    }

    /// <summary>A raw connection under the store, for what its API does not reach.</summary>
    public static Task<SqliteConnection> OpenConnectionAsync(IMetadataStore store) =>
        ((SqliteMetadataStore)store).OpenConnectionAsync();

    public async Task InsertModelAsync(IMetadataStore store, ModelRow model)
    {
        await using var connection = await OpenConnectionAsync(store);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO models (id, company, project, name, user_id, created, last_update, system_tags)
            VALUES ($id, $company, $project, $id, 'user-1', 0, 0, $system_tags)
            """;
        command.Parameters.AddWithValue("$id", model.Id);
        command.Parameters.AddWithValue("$company", model.Company);
        command.Parameters.AddWithValue("$project", (object?)model.Project ?? DBNull.Value);
        command.Parameters.AddWithValue("$system_tags", SystemTags(model.Archived));
        await command.ExecuteNonQueryAsync();
    }

    public async Task InsertTaskAsync(IMetadataStore store, TaskRow task)
    {
        await using var connection = await OpenConnectionAsync(store);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO tasks (id, company, project, name, user_id, status, created, started, completed, last_update, system_tags)
            VALUES ($id, $company, $project, $id, 'user-1', $status, 0, $started, $completed, 0, $system_tags)
            """;
        command.Parameters.AddWithValue("$id", task.Id);
        command.Parameters.AddWithValue("$company", task.Company);
        command.Parameters.AddWithValue("$project", (object?)task.Project ?? DBNull.Value);
        command.Parameters.AddWithValue("$status", task.Status);
        command.Parameters.AddWithValue("$started", (object?)task.Started?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$completed", (object?)task.Completed?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$system_tags", SystemTags(task.Archived));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<StoredRow?> FindRowOrNullAsync(IMetadataStore store, EntityTable table, string id)
    {
        await using var connection = await OpenConnectionAsync(store);
        await using var command = connection.CreateCommand();
        command.CommandText = table switch
        {
            EntityTable.Models => "SELECT project FROM models WHERE id = $id",
            EntityTable.Tasks => "SELECT project FROM tasks WHERE id = $id",
            _ => throw new ArgumentOutOfRangeException(nameof(table)),
        };
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }
        return new StoredRow(reader.IsDBNull(0) ? null : reader.GetString(0));
    }

    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the files open; close them before deleting.
        SqliteConnection.ClearAllPools();
        foreach (var path in _paths)
        {
            foreach (var file in new[] { path, path + "-wal", path + "-shm", path + ".keyring-lock" })
            {
                File.Delete(file);
            }
        }
        _paths.Clear();
        return ValueTask.CompletedTask;
    }

    private static string SystemTags(bool archived) => archived ? """["archived"]""" : "[]";
}
