using Cairn.Store.Contracts;
using Xunit;

namespace Cairn.Store.Sqlite.Tests.Sqlite;

/// <summary>The migration contract, plus what only SQLite has: the journal mode and the version table.</summary>
public sealed class SqliteMetadataStoreTests() : MetadataStoreContract(new SqliteStoreProvider())
{
    [Fact]
    public async Task Migrating_puts_the_database_in_WAL_journal_mode()
    {
        await Store.MigrateAsync();

        await using var connection = await SqliteStoreProvider.OpenConnectionAsync(Store);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync() as string);
    }

    [Fact]
    public async Task Migrating_twice_records_each_migration_once()
    {
        await Store.MigrateAsync();
        await Store.MigrateAsync();

        await using var connection = await SqliteStoreProvider.OpenConnectionAsync(Store);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(version, ',') FROM (SELECT version FROM schema_version ORDER BY version)";
        Assert.Equal(string.Join(',', SqliteDatabase.Migrations.Select(m => m.Version)), await command.ExecuteScalarAsync() as string);
    }

    [Fact]
    public async Task Opened_connections_enforce_foreign_keys()
    {
        await Store.MigrateAsync();

        await using var connection = await SqliteStoreProvider.OpenConnectionAsync(Store);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA foreign_keys";
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Migrating_a_store_that_has_grown_gives_the_query_planner_statistics_for_it()
    {
        await Store.MigrateAsync();
        await using var connection = await SqliteStoreProvider.OpenConnectionAsync(Store);
        async Task<string?> ModelStatisticsAsync()
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1')
                    THEN (SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_models_created') END
                """;
            return await command.ExecuteScalarAsync() as string;
        }
        Assert.Null(await ModelStatisticsAsync()); // an empty table has none

        await using (var insert = connection.CreateCommand())
        {
            // Rows written behind the server's back, as a restore or the benchmark's fill does.
            insert.CommandText = """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
                INSERT INTO models (id, company, name, created, last_update) SELECT printf('%032x', i), 'c', 'm' || i, i, i FROM n
                """;
            await insert.ExecuteNonQueryAsync();
        }
        await Store.MigrateAsync();

        Assert.StartsWith("300 ", await ModelStatisticsAsync());
    }
}
