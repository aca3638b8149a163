using Cairn.Core.Storage;

namespace Cairn.Store.Sqlite;

/// <summary>The embedded metadata store: one SQLite file in WAL mode.</summary>
public sealed class SqliteMetadataStore : IMetadataStore
{
    private readonly SqliteDatabase _database;

    /// <param name="path">The database file.</param>
    /// <param name="queryTimeout">The budget of one <c>get_all</c> query (<see cref="Core.Querying.QueryBudget"/>); its default when null.</param>
    public SqliteMetadataStore(string path, TimeSpan? queryTimeout = null)
    {
        _database = new SqliteDatabase(path, queryTimeout);
        Projects = new SqliteProjectStore(_database);
        Models = new SqliteModelStore(_database);
        Tasks = new SqliteTaskStore(_database);
        Events = new SqliteEventStore(_database);
        Files = new SqliteFileStore(_database);
        Identity = new SqliteIdentityStore(_database);
        Sessions = new SqliteSessionStore(_database);
    }

    public IProjectStore Projects { get; }

    public IModelStore Models { get; }

    public ITaskStore Tasks { get; }

    public IEventStore Events { get; }

    public IFileStore Files { get; }

    public IIdentityStore Identity { get; }

    public ISessionStore Sessions { get; }

    public Task MigrateAsync(CancellationToken cancellationToken = default) => _database.MigrateAsync(cancellationToken);

    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) => _database.GetVersionAsync(cancellationToken);

    /// <summary>Opens a raw connection (for tests and benchmarks that need to reach under the store).</summary>
    public Task<Microsoft.Data.Sqlite.SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        _database.OpenAsync(cancellationToken);
}
