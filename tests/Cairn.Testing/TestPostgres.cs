using Npgsql;

namespace Cairn.Testing;

/// <summary>
/// The PostgreSQL server scripts/test.sh starts (<c>CAIRN_TEST_POSTGRES</c>: a role that may
/// create databases): each test makes a database of its own and drops it afterwards.
/// tests/Cairn.Store.Postgres.Tests has the same helper without the server's dependencies.
/// </summary>
public static class TestPostgres
{
    /// <exception cref="InvalidOperationException">The variable is not set: the tests were not started by scripts/test.sh.</exception>
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("CAIRN_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "CAIRN_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts a PostgreSQL server for them.");

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    /// <summary>Creates an empty database (C collation, from template0) and returns its name.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = $"cairn_test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing whatever is still connected to it.</summary>
    public static async Task DropDatabaseAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
