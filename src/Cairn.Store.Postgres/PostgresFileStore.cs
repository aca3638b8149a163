using Cairn.Core.Storage;
using Npgsql;

namespace Cairn.Store.Postgres;

internal sealed class PostgresFileStore(PostgresDatabase database) : IFileStore
{
    private const string DeletionColumns = "id, url, queued, attempts, next_attempt, last_error";

    public async Task SaveAsync(StoredFile file, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            INSERT INTO files (path, size, sha256, stored, last_write) VALUES (@path, @size, @sha256, @stored, @last_write)
            ON CONFLICT (path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, stored = excluded.stored, last_write = excluded.last_write
            """, connection);
        command.Add("path", file.Path);
        command.Add("size", file.Size);
        command.Add("sha256", file.Sha256);
        command.Add("stored", PostgresValues.ToDb(file.Stored));
        command.Add("last_write", PostgresValues.ToDb(file.LastWrite));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredFile?> GetOrNullAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT size, sha256, stored, last_write FROM files WHERE path = @path", connection);
        command.Add("path", path);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredFile(path, reader.GetInt64(0), reader.GetString(1), PostgresValues.ToDateTime(reader.GetInt64(2)), PostgresValues.ToDateTime(reader.GetInt64(3)))
            : null;
    }

    public async Task<int> RemoveAsync(string path, bool withDescendants, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Paths below "a/b" sort between "a/b/" and "a/b0" ('0' follows '/' in the C collation):
        // a range the primary key answers, with no LIKE pattern to escape.
        await using var command = new NpgsqlCommand(withDescendants
            ? "DELETE FROM files WHERE path = @path OR (path >= @path || '/' AND path < @path || '0')"
            : "DELETE FROM files WHERE path = @path", connection);
        command.Add("path", path);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task EnqueueDeletionAsync(string url, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            INSERT INTO file_deletions (url, queued, next_attempt) VALUES (@url, @now, @now)
            ON CONFLICT (url) DO UPDATE SET queued = excluded.queued, next_attempt = excluded.next_attempt
            """, connection);
        command.Add("url", url);
        command.Add("now", PostgresValues.ToDb(now));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<FileDeletion>> ClaimDeletionsAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // SKIP LOCKED: a replica claiming at the same moment takes the next due rows instead of
        // waiting for these (or, under READ COMMITTED, re-reading them and claiming them twice).
        await using var command = new NpgsqlCommand($"""
            WITH due AS (
                SELECT id FROM file_deletions WHERE next_attempt <= @now
                ORDER BY next_attempt, id LIMIT @limit
                FOR UPDATE SKIP LOCKED)
            UPDATE file_deletions d SET attempts = d.attempts + 1, next_attempt = @lease_end
            FROM due WHERE d.id = due.id
            RETURNING {string.Join(", ", DeletionColumns.Split(", ").Select(c => "d." + c))}
            """, connection);
        command.Add("now", PostgresValues.ToDb(now));
        command.Add("lease_end", PostgresValues.ToDb(now + lease));
        command.Add("limit", limit);
        var claimed = await ReadDeletionsAsync(command, cancellationToken).ConfigureAwait(false);
        claimed.Sort((a, b) => a.Id.CompareTo(b.Id));
        return claimed;
    }

    public async Task<bool> CompleteDeletionAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM file_deletions WHERE id = @id", connection);
        command.Add("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task RetryDeletionAsync(long id, DateTimeOffset nextAttempt, string error, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("UPDATE file_deletions SET next_attempt = @next, last_error = @error WHERE id = @id", connection);
        command.Add("id", id);
        command.Add("next", PostgresValues.ToDb(nextAttempt));
        command.Add("error", error);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<FileDeletion>> ListDeletionsAsync(long afterId = 0, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {DeletionColumns} FROM file_deletions WHERE id > @after ORDER BY id LIMIT @limit", connection);
        command.Add("after", afterId);
        command.Add("limit", limit);
        return await ReadDeletionsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountDeletionsAsync(string? excludedLastError = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT COUNT(*) FROM file_deletions WHERE @excluded::text IS NULL OR last_error IS DISTINCT FROM @excluded::text", connection);
        command.Add("excluded", excludedLastError);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<FileDeletion>> ReadDeletionsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var deletions = new List<FileDeletion>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            deletions.Add(new FileDeletion(
                reader.GetInt64(0),
                reader.GetString(1),
                PostgresValues.ToDateTime(reader.GetInt64(2)),
                reader.GetInt32(3),
                PostgresValues.ToDateTime(reader.GetInt64(4)),
                reader.GetStringOrNull(5)));
        }
        return deletions;
    }
}
