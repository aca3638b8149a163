using System.Text.Json.Nodes;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite;

internal sealed class SqliteTaskStore(SqliteDatabase database) : ITaskStore
{
    public async Task<TaskInfo?> GetInfoOrNullAsync(string company, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, company, name, status, project, last_iteration FROM tasks WHERE id = $id AND company IN ($company, '')";
        command.Add("$id", id);
        command.Add("$company", company);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        return new TaskInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetStringOrNull(4), reader.GetInt64(5));
    }

    public Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
        NameLookup.GetAsync(database, "tasks", company, ids, cancellationToken);

    public async Task RaiseLastIterationAsync(string company, string id, long iteration, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE tasks SET last_iteration = $iteration, last_update = $now WHERE id = $id AND company = $company AND last_iteration < $iteration";
        command.Add("$iteration", iteration);
        command.Add("$now", SqlValues.ToDb(now));
        command.Add("$id", id);
        command.Add("$company", company);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ChangeStatusAsync(string company, string id, TaskStatusChange change, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ChangeStatusAsync(connection, null, company, id, change, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The status compare-and-set, on a caller's connection and transaction (the model store publishes with it).</summary>
    internal static async Task<bool> ChangeStatusAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string company, string id, TaskStatusChange change, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE tasks SET status = $status, status_changed = $now, status_reason = $reason, status_message = $message,
                last_update = $now, last_change = $now, last_changed_by = $user,
                published = CASE WHEN $status = 'published' THEN $now ELSE published END
            WHERE id = $id AND company = $company AND status = $expected
            """;
        command.Add("$status", change.NewStatus);
        command.Add("$now", SqlValues.ToDb(change.Now));
        command.Add("$reason", change.Reason);
        command.Add("$message", change.Message);
        command.Add("$user", change.User);
        command.Add("$id", id);
        command.Add("$company", company);
        command.Add("$expected", change.ExpectedStatus);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<TaskModelItem>> GetModelsAsync(string id, bool output, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, model, updated FROM task_models WHERE task_id = $id AND kind = $kind ORDER BY position";
        command.Add("$id", id);
        command.Add("$kind", output ? "output" : "input");
        var items = new List<TaskModelItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new TaskModelItem(reader.GetString(0), reader.GetString(1), SqlValues.ToDateTime(reader.GetInt64(2))));
        }
        return items;
    }

    public async Task AddOrUpdateModelAsync(string id, bool output, TaskModelItem item, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // An entry with the same name keeps its place in the list; a new one goes last.
        command.CommandText = """
            INSERT INTO task_models (task_id, kind, name, model, updated, position)
            VALUES ($id, $kind, $name, $model, $updated,
                    (SELECT COALESCE(MAX(position) + 1, 0) FROM task_models WHERE task_id = $id AND kind = $kind))
            ON CONFLICT (task_id, kind, name) DO UPDATE SET model = excluded.model, updated = excluded.updated
            """;
        command.Add("$id", id);
        command.Add("$kind", output ? "output" : "input");
        command.Add("$name", item.Name);
        command.Add("$model", item.Model);
        command.Add("$updated", SqlValues.ToDb(item.Updated));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<JsonObject?> GetExecutionAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT execution FROM tasks WHERE id = $id";
        command.Add("$id", id);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? JsonNode.Parse(json) as JsonObject : null;
    }
}
