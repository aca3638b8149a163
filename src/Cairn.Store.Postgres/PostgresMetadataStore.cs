using Cairn.Core.Storage;
using Npgsql;

namespace Cairn.Store.Postgres;

/// <summary>
/// The metadata store on PostgreSQL, shared by every replica: every store the SQLite one has
/// (identity, sessions, files and the deletion queue, projects, models, tasks, events), passing
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
    }

    public IProjectStore Projects { get; }

    public IModelStore Models { get; }

    public ITaskStore Tasks { get; }

    public IEventStore Events { get; }

    public IFileStore Files { get; }

    public IIdentityStore Identity { get; }

    public ISessionStore Sessions { get; }

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
