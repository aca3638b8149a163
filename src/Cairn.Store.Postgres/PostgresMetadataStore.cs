using Cairn.Core.Storage;
using Npgsql;

namespace Cairn.Store.Postgres;

/// <summary>
/// The metadata store on PostgreSQL, shared by every replica: every store the SQLite one has
/// (identity, sessions, files and the deletion queue, projects, models, tasks, events, the web
/// UI's data-protection keys), passing
/// the same contract suites.
/// </summary>
public sealed class PostgresMetadataStore : IMetadataStore, IAsyncDisposable
{
    private readonly PostgresDatabase _database;

    /// <exception cref="ArgumentException">The connection string does not parse.</exception>
    public PostgresMetadataStore(string connectionString)
    {
        _database = new PostgresDatabase(connectionString);
        Identity = new PostgresIdentityStore(_database);
        Sessions = new PostgresSessionStore(_database);
        Files = new PostgresFileStore(_database);
        Projects = new PostgresProjectStore(_database);
        Models = new PostgresModelStore(_database);
        Tasks = new PostgresTaskStore(_database);
        Events = new PostgresEventStore(_database);
        DataProtectionKeys = new PostgresDataProtectionKeyStore(_database);
    }

    public IProjectStore Projects { get; }

    public IModelStore Models { get; }

    public ITaskStore Tasks { get; }

    public IEventStore Events { get; }

    public IFileStore Files { get; }

    public IIdentityStore Identity { get; }

    public ISessionStore Sessions { get; }

    public IDataProtectionKeyStore DataProtectionKeys { get; }

    /// <summary>
    /// Connection failures (refused, reset, timed out: Npgsql's transient errors), the server's
    /// connection exceptions (class 08), its shutdowns and start-ups (57P01 admin shutdown, 57P02
    /// crash shutdown, 57P03 cannot connect now) and too many connections (53300) are the
    /// database being unavailable. Serialization failures and deadlocks are not: they are the
    /// stores' to retry, not the database's absence.
    /// </summary>
    public StoreUnavailableException? AsUnavailableOrNull(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StoreUnavailableException unavailable:
                    return unavailable;
                case PostgresException postgres when IsUnavailable(postgres.SqlState):
                    return Unavailable(postgres, $"{postgres.SqlState}: {postgres.MessageText}");
                case PostgresException:
                    return null;
                case NpgsqlException { IsTransient: true } npgsql:
                    return Unavailable(npgsql, FirstLine(npgsql.Message));
            }
        }
        return null;
    }

    private static bool IsUnavailable(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState is "57P01" or "57P02" or "57P03" or "53300";

    private StoreUnavailableException Unavailable(Exception cause, string detail) =>
        new($"the PostgreSQL database {Describe()} is unavailable: {detail}", cause);

    private static string FirstLine(string text) => text.Split('\n')[0].TrimEnd('\r');

    /// <summary>Where the store is, for messages: host, port and database, never the password.</summary>
    public string Describe() => _database.Describe();

    public Task MigrateAsync(CancellationToken cancellationToken = default) => _database.MigrateAsync(cancellationToken);

    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) => _database.GetVersionAsync(cancellationToken);

    /// <summary>Opens a raw connection (for tests and benchmarks that need to reach under the store).</summary>
    public Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        _database.OpenAsync(cancellationToken);

    /// <summary>The database under the store, for tests.</summary>
    internal PostgresDatabase Database => _database;

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
