using Cairn.Core.Querying;
using Cairn.Core.Storage;

namespace Cairn.Store.Postgres;

internal sealed class PostgresSessionStore(PostgresDatabase database) : ISessionStore
{
    public async Task RevokeTokenAsync(string sessionId, DateTimeOffset expires, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO revoked_tokens (session_id, expires) VALUES (@id, @expires) ON CONFLICT (session_id) DO NOTHING";
        command.Add("id", sessionId);
        command.Add("expires", PostgresValues.ToDb(expires));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> IsTokenRevokedAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM revoked_tokens WHERE session_id = @id";
        command.Add("id", sessionId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task<ScrollState?> GetScrollAsync(string scrollId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT position, cursor FROM scroll_states WHERE id = @id AND expires > @now";
        command.Add("id", scrollId);
        command.Add("now", PostgresValues.ToDb(now));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ScrollState((int)reader.GetInt64(0), reader.GetStringOrNull(1))
            : null;
    }

    public async Task SaveScrollAsync(string scrollId, ScrollState state, DateTimeOffset expires, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO scroll_states (id, position, cursor, expires) VALUES (@id, @position, @cursor, @expires)
            ON CONFLICT (id) DO UPDATE SET position = excluded.position, cursor = excluded.cursor, expires = excluded.expires
            """;
        command.Add("id", scrollId);
        command.Add("position", (long)state.Position);
        command.Add("cursor", state.Cursor);
        command.Add("expires", PostgresValues.ToDb(expires));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // One statement, so the count covers both tables.
        command.CommandText = """
            WITH tokens AS (DELETE FROM revoked_tokens WHERE expires <= @now RETURNING 1),
                 scrolls AS (DELETE FROM scroll_states WHERE expires <= @now RETURNING 1)
            SELECT (SELECT COUNT(*) FROM tokens) + (SELECT COUNT(*) FROM scrolls)
            """;
        command.Add("now", PostgresValues.ToDb(now));
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }
}
