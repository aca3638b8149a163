using System.Reflection;
using System.Text.RegularExpressions;
using Cairn.Core.Querying;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite;

/// <summary>Opens configured connections to one SQLite file and migrates its schema.</summary>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;

    /// <summary>When the planner's statistics were last brought up to date (<see cref="Environment.TickCount64"/>).</summary>
    private long _optimizedAt = Environment.TickCount64;

    public SqliteDatabase(string path, TimeSpan? queryTimeout = null)
    {
        QueryTimeout = queryTimeout ?? QueryBudget.Default;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The budget of one <c>get_all</c> query (<see cref="QueryBudget"/>).</summary>
    public TimeSpan QueryTimeout { get; }

    /// <summary>
    /// Queries that run a regex on rows, at most one per two cores at a time: four clients
    /// sending pathological patterns then hold half the machine, not all of it, and every other
    /// request keeps the other half. Waiting for a turn counts against the query's budget.
    /// </summary>
    private readonly SemaphoreSlim _regexQueries = new(Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>
    /// Starts the budget of a <c>get_all</c> query on <paramref name="connection"/> (waiting for a
    /// turn first when it runs a regex on rows); dispose it when the query is done.
    /// </summary>
    /// <exception cref="Core.Errors.CairnException">400/21 when the budget ran out waiting for a turn.</exception>
    public async Task<StatementBudget> StartBudgetAsync(SqliteConnection connection, EntityQuery query, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)QueryTimeout.TotalMilliseconds;
        SemaphoreSlim? gate = null;
        if (QueryBudget.RunsRegexOnRows(query))
        {
            if (!await _regexQueries.WaitAsync(QueryTimeout, cancellationToken).ConfigureAwait(false))
            {
                throw QueryBudget.Exceeded(query, QueryTimeout);
            }
            gate = _regexQueries;
        }
        return new StatementBudget(connection, deadline, gate, cancellationToken);
    }

    /// <summary>Opens a pooled connection with foreign keys, a busy timeout, <c>cairn_regexp</c> and the natural collation.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // cairn_regexp(pattern, value): .NET regex search; NULL never matches. The regex cache
            // inside Regex.IsMatch keeps a repeated pattern compiled once.
            connection.CreateFunction("cairn_regexp", (string? pattern, string? value) =>
                {
                    try
                    {
                        return pattern is not null && value is not null && Regex.IsMatch(value, pattern, RegexOptions.None, PythonRegex.MatchTimeout);
                    }
                    catch (RegexMatchTimeoutException)
                    {
                        throw new InvalidOperationException(RegexTimeoutMarker);
                    }
                },
                isDeterministic: true);
            connection.CreateCollation(NaturalCollation, NaturalOrder.Instance.Compare);
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _optimizedAt);
            if (now - last >= OptimizeInterval.TotalMilliseconds && Interlocked.CompareExchange(ref _optimizedAt, now, last) == last)
            {
                await OptimizeAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>How often an open checks whether the planner's statistics went stale (one open in that time pays for it).</summary>
    public static TimeSpan OptimizeInterval { get; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Brings the query planner's statistics (<c>sqlite_stat1</c>) up to date where they are missing
    /// or stale: SQLite's <c>PRAGMA optimize</c> with 0x10000 (look at every table, as a pooled
    /// connection has no history of its own), 0x10 (a temporary analysis limit, so a large table
    /// costs tens of milliseconds, not seconds) and 0x02 (analyze). It analyzes a table that has
    /// rows and no statistics, or whose row count changed tenfold since its last analysis; otherwise
    /// it only compares row counts (well under a millisecond). Empty tables get no statistics, so a
    /// new store is analyzed once it has grown.
    /// </summary>
    private static async Task OptimizeAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var optimize = connection.CreateCommand();
        optimize.CommandText = "PRAGMA optimize = 0x10012";
        await optimize.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The collation that orders text numeric-aware (<see cref="NaturalOrder"/>), for metadata and metrics.</summary>
    public const string NaturalCollation = "CAIRN_NATURAL";

    private const string RegexTimeoutMarker = "cairn_regexp: match timed out";

    /// <summary>
    /// Whether SQLite refused a query for its size (expression depth, ORDER BY terms): a request
    /// with thousands of filter values or sort keys, which is the client's error, not the server's.
    /// </summary>
    public static bool IsTooComplex(SqliteException e) =>
        e.Message.Contains("Expression tree is too large", StringComparison.Ordinal)
        || e.Message.Contains("too many terms", StringComparison.Ordinal)
        || e.Message.Contains("too many SQL variables", StringComparison.Ordinal);

    /// <summary>Whether a query failed because a regular expression ran past its time limit.</summary>
    public static bool IsRegexTimeout(SqliteException e) => e.Message.Contains(RegexTimeoutMarker, StringComparison.Ordinal);

    /// <summary>The migrations this build knows, as (version, name, script) in order.</summary>
    public static IReadOnlyList<(int Version, string Name, string Script)> Migrations { get; } = LoadMigrations();

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var wal = connection.CreateCommand())
        {
            // WAL lets readers proceed while one writer commits; the mode is stored in the file.
            wal.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied INTEGER NOT NULL);";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var current = await GetVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var latest = Migrations.Count == 0 ? 0 : Migrations[^1].Version;
        if (current > latest)
        {
            throw new InvalidOperationException(
                $"The database schema is at version {current}, newer than this build's {latest}; use a newer Cairn.");
        }
        foreach (var (version, _, script) in Migrations.Where(m => m.Version > current))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = script + "\nINSERT INTO schema_version (version, applied) VALUES ($v, $t);";
            command.Parameters.AddWithValue("$v", version);
            command.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        // Statistics for a store that grew while the server was stopped (or before it had any).
        await OptimizeAsync(connection, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _optimizedAt, Environment.TickCount64);
    }

    public async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await GetVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> GetVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static List<(int, string, string)> LoadMigrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var migrations = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            // Resource names look like Cairn.Store.Sqlite.Migrations.001_initial.sql.
            var file = resource.Split(".Migrations.", 2)[1];
            var version = int.Parse(file.AsSpan(0, file.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            migrations.Add((version, file, reader.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return migrations;
    }
}

/// <summary>
/// Stops the statements running on a connection when a query's budget runs out or its caller
/// cancels: a SQLite progress handler, called every thousand VM steps while a statement runs,
/// answers "interrupt" from then on (SQLITE_INTERRUPT). Unlike <c>sqlite3_interrupt</c> from a
/// timer, it cannot miss a statement that starts after the deadline. A statement stops within
/// one row's work (a regex on one value is held to <see cref="PythonRegex.MatchTimeout"/>).
/// </summary>
public sealed class StatementBudget : IDisposable
{
    private const int StepsPerCheck = 1000;

    private readonly SQLitePCL.sqlite3 _handle;
    private readonly long _deadline;
    private readonly SemaphoreSlim? _gate;
    private readonly CancellationToken _cancellationToken;
    private bool _expired;

    internal StatementBudget(SqliteConnection connection, long deadline, SemaphoreSlim? gate, CancellationToken cancellationToken)
    {
        _handle = connection.Handle!;
        _deadline = deadline;
        _gate = gate;
        _cancellationToken = cancellationToken;
        SQLitePCL.raw.sqlite3_progress_handler(_handle, StepsPerCheck, static state => ((StatementBudget)state).ShouldStop() ? 1 : 0, this);
    }

    private bool ShouldStop()
    {
        if (Environment.TickCount64 >= _deadline)
        {
            _expired = true;
        }
        return _expired || _cancellationToken.IsCancellationRequested;
    }

    /// <summary>Whether <paramref name="e"/> is this budget's interrupt (or its caller's cancellation).</summary>
    public bool Interrupted(SqliteException e) =>
        e.SqliteErrorCode == SQLitePCL.raw.SQLITE_INTERRUPT && (_expired || _cancellationToken.IsCancellationRequested);

    // The connection goes back to the pool: later queries on it run without this handler.
    public void Dispose()
    {
        SQLitePCL.raw.sqlite3_progress_handler(_handle, 0, null, null);
        _gate?.Release();
    }
}
