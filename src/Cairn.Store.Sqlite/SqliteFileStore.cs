using Cairn.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite;

internal sealed class SqliteFileStore(SqliteDatabase database) : IFileStore
{
    public async Task SaveAsync(StoredFile file, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO files (path, size, sha256, stored, last_write) VALUES ($path, $size, $sha256, $stored, $last_write)
            ON CONFLICT (path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, stored = excluded.stored, last_write = excluded.last_write
            """;
        command.Add("$path", file.Path);
        command.Add("$size", file.Size);
        command.Add("$sha256", file.Sha256);
        command.Add("$stored", SqlValues.ToDb(file.Stored));
        command.Add("$last_write", SqlValues.ToDb(file.LastWrite));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredFile?> GetOrNullAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT size, sha256, stored, last_write FROM files WHERE path = $path";
        command.Add("$path", path);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredFile(path, reader.GetInt64(0), reader.GetString(1), SqlValues.ToDateTime(reader.GetInt64(2)), SqlValues.ToDateTime(reader.GetInt64(3)))
            : null;
    }

    public async Task<int> RemoveAsync(string path, bool withDescendants, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // Paths below "a/b" sort between "a/b/" and "a/b0" ('0' follows '/'): a range the primary
        // key answers, with no LIKE pattern to escape.
        command.CommandText = withDescendants
            ? "DELETE FROM files WHERE path = $path OR (path >= $path || '/' AND path < $path || '0')"
            : "DELETE FROM files WHERE path = $path";
        command.Add("$path", path);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task EnqueueDeletionAsync(string url, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO file_deletions (url, queued, next_attempt) VALUES ($url, $now, $now)
            ON CONFLICT (url) DO UPDATE SET queued = excluded.queued, next_attempt = excluded.next_attempt
            """;
        command.Add("$url", url);
        command.Add("$now", SqlValues.ToDb(now));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<FileDeletion>> ClaimDeletionsAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // One statement, so the choice and the lease are atomic: SQLite serialises writers.
        command.CommandText = """
            UPDATE file_deletions SET attempts = attempts + 1, next_attempt = $lease_end
            WHERE id IN (SELECT id FROM file_deletions WHERE next_attempt <= $now ORDER BY next_attempt, id LIMIT $limit)
            RETURNING id, url, queued, attempts, next_attempt, last_error
            """;
        command.Add("$now", SqlValues.ToDb(now));
        command.Add("$lease_end", SqlValues.ToDb(now + lease));
        command.Add("$limit", limit);
        var claimed = await ReadDeletionsAsync(command, cancellationToken).ConfigureAwait(false);
        claimed.Sort((a, b) => a.Id.CompareTo(b.Id));
        return claimed;
    }

    public async Task<bool> CompleteDeletionAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM file_deletions WHERE id = $id";
        command.Add("$id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task RetryDeletionAsync(long id, DateTimeOffset nextAttempt, string error, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE file_deletions SET next_attempt = $next, last_error = $error WHERE id = $id";
        command.Add("$id", id);
        command.Add("$next", SqlValues.ToDb(nextAttempt));
        command.Add("$error", error);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<FileDeletion>> ListDeletionsAsync(long afterId = 0, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, url, queued, attempts, next_attempt, last_error FROM file_deletions WHERE id > $after ORDER BY id LIMIT $limit";
        command.Add("$after", afterId);
        command.Add("$limit", limit);
        return await ReadDeletionsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountDeletionsAsync(string? excludedLastError = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM file_deletions WHERE $excluded IS NULL OR last_error IS NULL OR last_error <> $excluded";
        command.Add("$excluded", excludedLastError);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<FileDeletion>> ReadDeletionsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var deletions = new List<FileDeletion>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            deletions.Add(new FileDeletion(
                reader.GetInt64(0),
                reader.GetString(1),
                SqlValues.ToDateTime(reader.GetInt64(2)),
                (int)reader.GetInt64(3),
                SqlValues.ToDateTime(reader.GetInt64(4)),
                reader.GetStringOrNull(5)));
        }
        return deletions;
    }
}
