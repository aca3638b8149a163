using System.Globalization;
using System.Text.Json;
using Cairn.Store.Postgres;
using Cairn.Store.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Cairn.Store.Move;

/// <summary>
/// Copies a SQLite store (one <c>cairn.db</c>) into an empty PostgreSQL database: every table the
/// PostgreSQL schema has, row for row (ids, timestamps, credential hashes, events, file records,
/// the deletion queue, the data-protection keys), then checks each table's count against the
/// source's.
/// </summary>
/// <remarks>
/// The source is read in one SQLite read transaction (one snapshot, so the counts it is checked
/// against are the rows that were copied) and streamed into binary <c>COPY</c>s, one per table,
/// with nothing held in memory but the current row. All of it is written in one PostgreSQL
/// transaction: a move that fails or is interrupted leaves the target as empty as it found it,
/// so it is restarted by running it again. The server must be stopped on the source while it runs.
/// </remarks>
public static class SqliteToPostgres
{
    /// <summary>
    /// SQLite-only tables: indexes over the models' JSON columns, kept by triggers (PostgreSQL
    /// indexes the columns themselves), and the schema version (the target has its own).
    /// SQLite's own sqlite_* tables (sequences, planner statistics) are skipped too.
    /// </summary>
    private static readonly HashSet<string> SqliteOnly = new(StringComparer.Ordinal) { "model_tags", "model_metadata", "schema_version" };

    /// <summary>How many rows between two progress lines.</summary>
    private const int ProgressEvery = 100_000;

    /// <summary>Moves the store at <paramref name="sqlitePath"/> into the database of <paramref name="connectionString"/>.</summary>
    /// <param name="sqlitePath">The SQLite file (<c>&lt;DataDir&gt;/cairn.db</c>); it is migrated to this build's schema first, as starting the server on it would.</param>
    /// <param name="connectionString">The target PostgreSQL database; its schema is created if missing.</param>
    /// <param name="log">Receives one line per table and progress lines on long ones.</param>
    /// <param name="cancellationToken">Cancels the move (nothing is committed).</param>
    /// <returns>The rows copied per table, in copy order.</returns>
    /// <exception cref="MoveRefusedException">The source is missing, the target is not empty, the schemas do not match, or a count differs.</exception>
    public static async Task<IReadOnlyList<(string Table, long Rows)>> MoveAsync(string sqlitePath, string connectionString, TextWriter log, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(sqlitePath))
        {
            throw new MoveRefusedException($"There is no SQLite store at {sqlitePath} (give the data directory or its cairn.db).");
        }
        var source = new SqliteDatabase(sqlitePath);
        await source.MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var target = new PostgresDatabase(connectionString);
        await target.MigrateAsync(cancellationToken).ConfigureAwait(false);

        await using var from = await source.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var snapshot = from.BeginTransaction(deferred: true);
        await using var to = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await to.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        var tables = await TargetTablesAsync(to, cancellationToken).ConfigureAwait(false);
        await RefuseUnlessEmptyAsync(to, tables, cancellationToken).ConfigureAwait(false);
        var sourceTables = await SourceTablesAsync(from, snapshot, cancellationToken).ConfigureAwait(false);
        var unknown = sourceTables.Keys.Where(t => !SqliteOnly.Contains(t) && !t.StartsWith("sqlite_", StringComparison.Ordinal) && !tables.Any(c => c.Name == t)).ToList();
        if (unknown.Count > 0)
        {
            throw new MoveRefusedException($"The SQLite store has tables the PostgreSQL schema does not: {string.Join(", ", unknown)}; this build cannot move them.");
        }

        var moved = new List<(string, long)>();
        foreach (var table in tables)
        {
            if (!sourceTables.TryGetValue(table.Name, out var sourceColumns))
            {
                throw new MoveRefusedException($"The SQLite store has no table {table.Name}.");
            }
            var left = sourceColumns.Where(c => !table.Columns.Any(t => t.Name == c)).ToList();
            if (left.Count > 0)
            {
                throw new MoveRefusedException($"The SQLite table {table.Name} has columns the PostgreSQL schema does not: {string.Join(", ", left)}; this build cannot move them.");
            }
            var expected = await CountAsync(from, snapshot, table.Name, cancellationToken).ConfigureAwait(false);
            var copied = await CopyTableAsync(from, snapshot, to, table, sourceColumns, log, cancellationToken).ConfigureAwait(false);
            var landed = await CountAsync(to, null, table.Name, cancellationToken).ConfigureAwait(false);
            if (copied != expected || landed != expected)
            {
                throw new MoveRefusedException($"{table.Name}: the SQLite store has {expected} rows but {landed} arrived; nothing was committed.");
            }
            await ResetIdentitiesAsync(to, table, cancellationToken).ConfigureAwait(false);
            await log.WriteLineAsync($"{table.Name}: {expected} rows").ConfigureAwait(false);
            moved.Add((table.Name, expected));
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        // The planner's statistics, which a bulk copy leaves empty until autovacuum comes round:
        // without them the first queries on the moved store may plan as if every table were tiny.
        await using (var analyze = new NpgsqlCommand("ANALYZE", to))
        {
            analyze.CommandTimeout = 0;
            await analyze.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await log.WriteLineAsync("planner statistics gathered (ANALYZE)").ConfigureAwait(false);
        return moved;
    }

    private sealed record Column(string Name, string DataType, bool Identity);

    private sealed record Table(string Name, IReadOnlyList<Column> Columns);

    /// <summary>The target's tables with their columns, parents before the tables whose foreign keys name them.</summary>
    private static async Task<List<Table>> TargetTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var columns = new Dictionary<string, List<Column>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            """
            SELECT c.table_name, c.column_name, c.data_type, c.is_identity = 'YES', c.is_generated = 'ALWAYS'
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema = current_schema() AND c.table_name <> 'schema_version'
            ORDER BY c.table_name, c.ordinal_position
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.GetBoolean(4))
                {
                    continue; // A stored generated column is computed by PostgreSQL.
                }
                var table = reader.GetString(0);
                if (!columns.TryGetValue(table, out var list))
                {
                    columns[table] = list = [];
                }
                list.Add(new Column(reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
            }
        }
        var parents = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            """
            SELECT c.conrelid::regclass::text, c.confrelid::regclass::text
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE c.contype = 'f' AND n.nspname = current_schema()
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (child, parent) = (reader.GetString(0), reader.GetString(1));
                if (child != parent)
                {
                    (parents.TryGetValue(child, out var set) ? set : parents[child] = []).Add(parent);
                }
            }
        }
        var ordered = new List<Table>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        void Place(string name)
        {
            if (!placed.Add(name))
            {
                return;
            }
            foreach (var parent in parents.GetValueOrDefault(name) ?? [])
            {
                Place(parent);
            }
            ordered.Add(new Table(name, columns[name]));
        }
        foreach (var name in columns.Keys.Order(StringComparer.Ordinal))
        {
            Place(name);
        }
        return ordered;
    }

    private static async Task RefuseUnlessEmptyAsync(NpgsqlConnection connection, IEnumerable<Table> tables, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {Quote(table.Name)})", connection);
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                throw new MoveRefusedException(
                    $"The PostgreSQL database is not empty (table {table.Name} has rows); a move only writes into an empty database. Give a new database, or drop and recreate this one if it holds nothing you need.");
            }
        }
    }

    /// <summary>The source's tables and their column names.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> SourceTablesAsync(SqliteConnection connection, SqliteTransaction snapshot, CancellationToken cancellationToken)
    {
        var tables = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        await using var command = connection.CreateCommand();
        command.Transaction = snapshot;
        command.CommandText = "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p WHERE m.type = 'table'";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            (tables.TryGetValue(table, out var set) ? set : tables[table] = new HashSet<string>(StringComparer.Ordinal)).Add(reader.GetString(1));
        }
        return tables;
    }

    private static async Task<long> CountAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT count(*) FROM {Quote(table)}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>Streams one table: a SQLite reader into a binary COPY, converting each value to its PostgreSQL column's type.</summary>
    private static async Task<long> CopyTableAsync(SqliteConnection from, SqliteTransaction snapshot, NpgsqlConnection to, Table table, HashSet<string> sourceColumns, TextWriter log, CancellationToken cancellationToken)
    {
        var selects = new List<string>();
        foreach (var column in table.Columns)
        {
            if (sourceColumns.Contains(column.Name))
            {
                selects.Add(Quote(column.Name));
            }
            else if (column.Name == "seq")
            {
                // Tables whose insertion order is SQLite's rowid carry it as seq in PostgreSQL.
                selects.Add("rowid");
            }
            else
            {
                throw new MoveRefusedException($"The SQLite table {table.Name} has no column {column.Name}.");
            }
        }
        await using var read = from.CreateCommand();
        read.Transaction = snapshot;
        read.CommandText = $"SELECT {string.Join(", ", selects)} FROM {Quote(table.Name)}"
            // A project's parent is copied before it (the foreign key is checked row by row).
            + (table.Name == "projects" ? " ORDER BY json_array_length(path), rowid" : "");
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var copy = $"COPY {Quote(table.Name)} ({string.Join(", ", table.Columns.Select(c => Quote(c.Name)))}) FROM STDIN (FORMAT BINARY)";
        await using var writer = await to.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false);
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < table.Columns.Count; i++)
            {
                await WriteValueAsync(writer, reader, i, table, table.Columns[i], cancellationToken).ConfigureAwait(false);
            }
            if (++rows % ProgressEvery == 0)
            {
                await log.WriteLineAsync($"{table.Name}: {rows} rows…").ConfigureAwait(false);
            }
        }
        return (long)await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteValueAsync(NpgsqlBinaryImporter writer, SqliteDataReader reader, int i, Table table, Column column, CancellationToken cancellationToken)
    {
        if (reader.IsDBNull(i))
        {
            await writer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        switch (column.DataType)
        {
            case "text":
                await writer.WriteAsync(reader.GetString(i), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                break;
            case "bigint":
                await writer.WriteAsync(reader.GetInt64(i), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                break;
            case "integer":
                await writer.WriteAsync(checked((int)reader.GetInt64(i)), NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                break;
            case "boolean":
                await writer.WriteAsync(reader.GetInt64(i) != 0, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                break;
            case "double precision":
                await writer.WriteAsync(reader.GetDouble(i), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                break;
            case "bytea":
                await writer.WriteAsync(reader.GetFieldValue<byte[]>(i), NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                break;
            case "ARRAY":
                // SQLite keeps tags and project paths as JSON arrays of strings.
                await writer.WriteAsync(StringArray(reader.GetString(i), table, column), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new MoveRefusedException($"{table.Name}.{column.Name} is of type {column.DataType}, which this build cannot move.");
        }
    }

    private static string[] StringArray(string json, Table table, Column column)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new MoveRefusedException($"{table.Name}.{column.Name} holds {json}, not a JSON array.");
        }
        return [.. document.RootElement.EnumerateArray().Select(e => e.GetString() ?? throw new MoveRefusedException($"{table.Name}.{column.Name} holds {json}, not an array of strings."))];
    }

    /// <summary>An identity column continues after the largest copied value (COPY writes the values as given and leaves the sequence where it was).</summary>
    private static async Task ResetIdentitiesAsync(NpgsqlConnection connection, Table table, CancellationToken cancellationToken)
    {
        foreach (var column in table.Columns.Where(c => c.Identity))
        {
            await using var command = new NpgsqlCommand(
                $"SELECT setval(pg_get_serial_sequence(@table, @column), coalesce(max({Quote(column.Name)}), 0) + 1, false) FROM {Quote(table.Name)}", connection);
            command.Parameters.AddWithValue("table", table.Name);
            command.Parameters.AddWithValue("column", column.Name);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>A move that was refused or did not check out; nothing was written to the target.</summary>
public sealed class MoveRefusedException(string message) : Exception(message);
