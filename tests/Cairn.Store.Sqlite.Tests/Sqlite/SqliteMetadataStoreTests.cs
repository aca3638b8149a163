using Cairn.Store.Sqlite.Tests.Contracts;
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
}
