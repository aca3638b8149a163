using Cairn.Core.Storage;
using Microsoft.Data.Sqlite;

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
        DataProtectionKeys = new SqliteDataProtectionKeyStore(_database, path);
        _path = path;
    }

    private readonly string _path;

    public IProjectStore Projects { get; }

    public IModelStore Models { get; }

    public ITaskStore Tasks { get; }

    public IEventStore Events { get; }

    public IFileStore Files { get; }

    public IIdentityStore Identity { get; }

    public ISessionStore Sessions { get; }

    public IDataProtectionKeyStore DataProtectionKeys { get; }

    /// <summary>
    /// Busy and locked (another process held the write lock beyond the busy timeout), cannot open
    /// and I/O errors (the file or its disk went away) are the database being unavailable; a
    /// constraint, a syntax error or a full disk is not.
    /// </summary>
    public StoreUnavailableException? AsUnavailableOrNull(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StoreUnavailableException unavailable:
                    return unavailable;
                case SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked or SqliteCantOpen or SqliteIoError } sqlite:
                    return new StoreUnavailableException($"the SQLite database '{_path}' is unavailable: {sqlite.Message}", sqlite);
            }
        }
        return null;
    }

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteIoError = 10;
    private const int SqliteCantOpen = 14;

    public Task MigrateAsync(CancellationToken cancellationToken = default) => _database.MigrateAsync(cancellationToken);

    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) => _database.GetVersionAsync(cancellationToken);

    /// <summary>Opens a raw connection (for tests and benchmarks that need to reach under the store).</summary>
    public Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        _database.OpenAsync(cancellationToken);
}
