using Cairn.Core.Storage;
using Cairn.Store.Contracts;
using Npgsql;

namespace Cairn.Store.Postgres.Tests;

/// <summary>
/// The PostgreSQL provider under test: each store is a new database on the server that
/// <c>CAIRN_TEST_POSTGRES</c> names (scripts/test.sh starts a throwaway one), dropped when the
/// provider is disposed.
/// </summary>
public sealed class PostgresStoreProvider : IStoreProvider
{
    private readonly List<(string Name, PostgresMetadataStore Store)> _databases = [];

    public int LatestSchemaVersion => PostgresDatabase.Migrations[^1].Version;

    /// <summary>The admin connection string: a role that may create and drop databases.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set: the tests were not started by scripts/test.sh.</exception>
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("CAIRN_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "CAIRN_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts a PostgreSQL server for them.");

    /// <summary>A connection string for database <paramref name="name"/> on the test server.</summary>
    public static string ConnectionStringFor(string name) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;

    /// <summary>Creates an empty database and returns its name.</summary>
    public static string CreateDatabase()
    {
        var name = $"cairn_test_{Guid.NewGuid():N}";
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        // template0 and the C locale: the same empty database whatever the server's defaults.
        using var command = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", connection);
        command.ExecuteNonQuery();
        return name;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>, closing whatever is still connected to it.</summary>
    public static async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public IMetadataStore CreateStore()
    {
        var name = CreateDatabase();
        var store = new PostgresMetadataStore(ConnectionStringFor(name));
        _databases.Add((name, store));
        return store;
    }

    /// <summary>A raw connection under the store, for what its API does not reach.</summary>
    public static Task<NpgsqlConnection> OpenConnectionAsync(IMetadataStore store) =>
        ((PostgresMetadataStore)store).OpenConnectionAsync();

    // Rows with the columns the projects' contract needs; the other columns take their defaults.
    public async Task InsertModelAsync(IMetadataStore store, ModelRow model)
    {
        await using var connection = await OpenConnectionAsync(store);
        await using var command = new NpgsqlCommand("""
            INSERT INTO models (id, company, project, name, user_id, created, last_update, system_tags)
            VALUES (@id, @company, @project, @id, 'user-1', 0, 0, @system_tags)
            """, connection);
        command.Parameters.AddWithValue("id", model.Id);
        command.Parameters.AddWithValue("company", model.Company);
        command.Parameters.AddWithValue("project", (object?)model.Project ?? DBNull.Value);
        command.Parameters.AddWithValue("system_tags", SystemTags(model.Archived));
        await command.ExecuteNonQueryAsync();
    }

    public async Task InsertTaskAsync(IMetadataStore store, TaskRow task)
    {
        await using var connection = await OpenConnectionAsync(store);
        await using var command = new NpgsqlCommand("""
            INSERT INTO tasks (id, company, project, name, user_id, status, created, started, completed, last_update, system_tags)
            VALUES (@id, @company, @project, @id, 'user-1', @status, 0, @started, @completed, 0, @system_tags)
            """, connection);
        command.Parameters.AddWithValue("id", task.Id);
        command.Parameters.AddWithValue("company", task.Company);
        command.Parameters.AddWithValue("project", (object?)task.Project ?? DBNull.Value);
        command.Parameters.AddWithValue("status", task.Status);
        command.Parameters.AddWithValue("started", (object?)task.Started?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("completed", (object?)task.Completed?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("system_tags", SystemTags(task.Archived));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<StoredRow?> FindRowOrNullAsync(IMetadataStore store, EntityTable table, string id)
    {
        await using var connection = await OpenConnectionAsync(store);
        var sql = table switch
        {
            EntityTable.Models => "SELECT project FROM models WHERE id = @id",
            EntityTable.Tasks => "SELECT project FROM tasks WHERE id = @id",
            _ => throw new ArgumentOutOfRangeException(nameof(table)),
        };
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }
        return new StoredRow(reader.IsDBNull(0) ? null : reader.GetString(0));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (name, store) in _databases)
        {
            await store.DisposeAsync();
            await DropDatabaseAsync(name);
        }
        _databases.Clear();
    }

    private static string[] SystemTags(bool archived) => archived ? ["archived"] : [];
}
