using Cairn.Core.Identity;
using Npgsql;
using Xunit;

namespace Cairn.Store.Postgres.Tests;

/// <summary>
/// What only PostgreSQL's migrations promise: replicas starting together migrate once, and a
/// failed migration leaves the schema as it was. (The migration contract runs in
/// MetadataStoreContract once the projects store is ported.)
/// </summary>
public sealed class PostgresMigrationTests : IAsyncLifetime
{
    private readonly PostgresStoreProvider _provider = new();
    private PostgresMetadataStore _store = null!;

    public Task InitializeAsync()
    {
        _store = (PostgresMetadataStore)_provider.CreateStore();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task Migrating_a_new_database_brings_it_to_the_latest_version_and_again_is_a_no_op()
    {
        Assert.Equal(0, await _store.GetSchemaVersionAsync());

        await _store.MigrateAsync();
        await _store.Identity.UpsertUserAsync(new User { Id = "u-1", Company = "c", Name = "Kept", Role = Roles.User, Created = DateTimeOffset.UnixEpoch });
        await _store.MigrateAsync();

        Assert.Equal(PostgresDatabase.Migrations[^1].Version, await _store.GetSchemaVersionAsync());
        Assert.Equal("Kept", (await _store.Identity.GetUserOrNullAsync("u-1"))?.Name);
        Assert.Equal(PostgresDatabase.Migrations.Select(m => m.Version), await AppliedVersionsAsync());
    }

    [Fact]
    public async Task Replicas_migrating_at_once_apply_each_migration_once()
    {
        var connectionString = ConnectionString();
        var replicas = Enumerable.Range(0, 4).Select(_ => new PostgresMetadataStore(connectionString)).ToList();
        try
        {
            await Task.WhenAll(replicas.Select(r => Task.Run(() => r.MigrateAsync())));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }

        Assert.Equal(PostgresDatabase.Migrations.Select(m => m.Version), await AppliedVersionsAsync());
    }

    [Fact]
    public async Task A_failed_migration_leaves_the_schema_and_the_data_as_they_were()
    {
        await _store.MigrateAsync();
        await _store.Identity.UpsertUserAsync(new User { Id = "u-1", Company = "c", Name = "Kept", Role = Roles.User, Created = DateTimeOffset.UnixEpoch });
        var latest = PostgresDatabase.Migrations[^1].Version;
        var broken = PostgresDatabase.Migrations.Concat(
        [
            (latest + 1, "good.sql", "CREATE TABLE added_by_good (id int); ALTER TABLE users ADD COLUMN added_by_good text;"),
            (latest + 2, "bad.sql", "CREATE TABLE added_by_bad (id int); SELECT 1 / 0;"),
        ]).ToList();

        await Assert.ThrowsAsync<PostgresException>(() => _store.Database.MigrateAsync(broken, CancellationToken.None));

        Assert.Equal(latest, await _store.GetSchemaVersionAsync());
        await using var connection = await _store.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("""
            SELECT to_regclass('added_by_good') IS NULL AND to_regclass('added_by_bad') IS NULL
                AND NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'added_by_good')
            """, connection);
        Assert.Equal(true, await command.ExecuteScalarAsync());
        Assert.Equal("Kept", (await _store.Identity.GetUserOrNullAsync("u-1"))?.Name);
    }

    [Fact]
    public async Task A_database_newer_than_the_build_is_refused()
    {
        await _store.MigrateAsync();
        await using (var connection = await _store.OpenConnectionAsync())
        {
            await using var command = new NpgsqlCommand("INSERT INTO schema_version (version, applied) VALUES (9999, 0)", connection);
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _store.MigrateAsync());
        Assert.Contains("version 9999", error.Message);
    }

    private string ConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresStoreProvider.AdminConnectionString);
        // The provider's store is on its own database: reach it by name.
        builder.Database = _store.Describe().Split('/')[^1];
        return builder.ConnectionString;
    }

    private async Task<List<int>> AppliedVersionsAsync()
    {
        await using var connection = await _store.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM schema_version ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }
        return versions;
    }
}
