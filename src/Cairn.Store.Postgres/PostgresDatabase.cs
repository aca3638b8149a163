using System.Globalization;
using System.Reflection;
using Npgsql;

namespace Cairn.Store.Postgres;

/// <summary>One PostgreSQL database shared by every replica: pooled connections and schema migrations.</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    /// <summary>
    /// The advisory lock key replicas take while migrating, so that two starting at once do not
    /// both apply a migration ("cairn" in ASCII).
    /// </summary>
    private const long MigrationLockKey = 0x636169726e;

    private readonly NpgsqlDataSource _dataSource;

    /// <exception cref="ArgumentException">The connection string does not parse (the message never repeats the password).</exception>
    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // The application name shows in pg_stat_activity, so an operator can tell Cairn's connections apart.
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "cairn";
        }
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    /// <summary>The host, port and database, for messages (never the password).</summary>
    public string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
        // Npgsql connects to the database named like the user when none is given.
        return $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
    }

    /// <summary>Opens a pooled connection.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The migrations this build knows, as (version, name, script) in order.</summary>
    public static IReadOnlyList<(int Version, string Name, string Script)> Migrations { get; } = LoadMigrations();

    /// <summary>
    /// Applies the missing migrations in one transaction under an advisory lock: a replica that
    /// starts while another migrates waits, then finds nothing left to do; a migration that fails
    /// rolls back with the rest (PostgreSQL's DDL is transactional), leaving the schema as it was.
    /// </summary>
    public Task MigrateAsync(CancellationToken cancellationToken) => MigrateAsync(Migrations, cancellationToken);

    /// <summary>Applies <paramref name="migrations"/> (tests pass a failing one to check the rollback).</summary>
    internal async Task MigrateAsync(IReadOnlyList<(int Version, string Name, string Script)> migrations, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var setUp = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(@key); CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL, applied bigint NOT NULL)",
            connection, transaction))
        {
            setUp.Parameters.AddWithValue("key", MigrationLockKey);
            await setUp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var current = await GetVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var latest = migrations.Count == 0 ? 0 : migrations[^1].Version;
        if (current > latest)
        {
            throw new InvalidOperationException(
                $"The database schema is at version {current}, newer than this build's {latest}; use a newer Cairn.");
        }
        foreach (var (version, _, script) in migrations.Where(m => m.Version > current))
        {
            await using (var migrate = new NpgsqlCommand(script, connection, transaction))
            {
                await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using var record = new NpgsqlCommand("INSERT INTO schema_version (version, applied) VALUES (@v, @t)", connection, transaction);
            record.Parameters.AddWithValue("v", version);
            record.Parameters.AddWithValue("t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await GetVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> GetVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        // A database never migrated has no schema_version table: version 0. (Two statements: a
        // query naming a missing table fails when it is parsed, whatever a CASE would pick.)
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection, transaction))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return 0;
            }
        }
        await using var command = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version", connection, transaction);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static List<(int, string, string)> LoadMigrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var migrations = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            // Resource names look like Cairn.Store.Postgres.Migrations.001_identity_sessions.sql.
            var file = resource.Split(".Migrations.", 2)[1];
            var version = int.Parse(file.AsSpan(0, file.IndexOf('_', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            migrations.Add((version, file, reader.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return migrations;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
