using System.Globalization;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite;

internal sealed class SqliteTaskStore(SqliteDatabase database) : ITaskStore
{
    private const string Columns =
        "t.id, t.company, t.name, t.type, t.status, t.status_reason, t.status_message, t.status_changed, t.comment, t.created, " +
        "t.started, t.completed, t.published, t.active_duration, t.parent, t.project, t.user_id, t.tags, t.system_tags, t.output, " +
        "t.execution, t.script, t.hyperparams, t.configuration, t.container, t.runtime, t.artifacts, t.last_iteration, t.last_metrics, " +
        "t.last_update, t.last_change, t.last_changed_by, t.rowid";

    private const int RowIdOrdinal = 32;

    private static readonly Dictionary<string, Column> FixedColumns = new()
    {
        ["id"] = new(FieldKind.Text, "t.id", NeverEmpty: true),
        ["name"] = new(FieldKind.Text, "t.name", NeverEmpty: true),
        ["comment"] = new(FieldKind.Text, "t.comment"),
        ["report"] = new(FieldKind.Text, "NULL"), // Cairn tasks have no report.
        ["user"] = new(FieldKind.Text, "t.user_id"),
        ["company"] = new(FieldKind.Text, "t.company"),
        ["project"] = new(FieldKind.Text, "t.project"),
        ["parent"] = new(FieldKind.Text, "t.parent"),
        ["type"] = new(FieldKind.Text, "t.type", NeverEmpty: true),
        ["status"] = new(FieldKind.Text, "t.status", NeverEmpty: true),
        ["status_reason"] = new(FieldKind.Text, "t.status_reason"),
        ["status_message"] = new(FieldKind.Text, "t.status_message"),
        // Task tags have no index table (yet): a project's tasks number in the thousands, not millions.
        ["tags"] = new(FieldKind.TextList, "t.tags"),
        ["system_tags"] = new(FieldKind.TextList, "t.system_tags"),
        ["created"] = new(FieldKind.DateTime, "t.created", NeverEmpty: true),
        ["started"] = new(FieldKind.DateTime, "t.started"),
        ["completed"] = new(FieldKind.DateTime, "t.completed"),
        ["published"] = new(FieldKind.DateTime, "t.published"),
        ["status_changed"] = new(FieldKind.DateTime, "t.status_changed"),
        ["last_update"] = new(FieldKind.DateTime, "t.last_update", NeverEmpty: true),
        ["last_change"] = new(FieldKind.DateTime, "t.last_change"),
        ["last_iteration"] = new(FieldKind.Number, "t.last_iteration", NeverEmpty: true),
        ["active_duration"] = new(FieldKind.Number, "t.active_duration"),
        ["execution.queue"] = new(FieldKind.Text, "json_extract(t.execution, '$.queue')"),
        ["models.input.model"] = new(FieldKind.TextList,
            "(SELECT json_group_array(model) FROM task_models WHERE task_id = t.id AND kind = 'input')",
            new ValueIndex("t.id", "SELECT task_id FROM task_models WHERE kind = 'input' AND model")),
        ["models.output.model"] = new(FieldKind.TextList,
            "(SELECT json_group_array(model) FROM task_models WHERE task_id = t.id AND kind = 'output')",
            new ValueIndex("t.id", "SELECT task_id FROM task_models WHERE kind = 'output' AND model")),
    };

    private static readonly Column Missing = new(FieldKind.Text, "NULL");

    /// <summary>
    /// The column of a query field: a fixed one, <c>hyperparams.&lt;section&gt;.&lt;name&gt;.&lt;field&gt;</c>,
    /// <c>configuration.&lt;name&gt;.&lt;field&gt;</c> (names escaped as stored) or <c>last_metrics.…</c>.
    /// Paths the entity cannot hold resolve to NULL, as a missing document field would.
    /// </summary>
    private static Column? ResolveColumn(string field)
    {
        if (FixedColumns.TryGetValue(field, out var column))
        {
            return column;
        }
        var parts = field.Split('.');
        switch (parts[0])
        {
            case "hyperparams" when parts.Length == 4:
            case "configuration" when parts.Length == 3:
            {
                var names = parts[1..^1];
                if (names.Any(n => n.Trim().Length == 0))
                {
                    return Missing;
                }
                var escaped = names.Select(n => MetadataKey.Escape(MetadataKey.Unescape(n))).Append(parts[^1]).ToList();
                return JsonPath($"t.{parts[0]}", escaped, FieldKind.Text);
            }
            case "hyperparams" or "configuration":
                return Missing;
            case "last_metrics" when parts.Length is >= 2 and <= 4:
                return JsonPath("t.last_metrics", parts[1..], FieldKind.Number);
            case "last_metrics":
                return Missing;
            case "runtime" when parts.Length == 2:
                return JsonPath("t.runtime", parts[1..], FieldKind.Text);
            default:
                return null;
        }
    }

    /// <summary>A value inside a JSON column; keys a JSON path cannot quote safely match nothing.</summary>
    private static Column JsonPath(string column, IReadOnlyList<string> keys, FieldKind kind)
    {
        if (keys.Any(p => p.Length == 0 || p.Any(c => c is '"' or '\\' or '\0')))
        {
            return Missing;
        }
        var path = SqlValues.Literal("$" + string.Concat(keys.Select(p => $".\"{p}\"")));
        return path is null ? Missing : new Column(kind, $"json_extract({column}, {path})", Collation: SqliteDatabase.NaturalCollation);
    }

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

    public async Task<TaskRecord?> GetByIdOrNullAsync(string company, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await LoadAsync(connection, null, id, "t.company IN ($company, '')", company, cancellationToken).ConfigureAwait(false);
    }

    public async Task<QueryPage<TaskRecord>> QueryAsync(string company, EntityQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var translator = new SqlQueryTranslator(ResolveColumn, "t.rowid", command);
        // In natural order a cursor is the last row's rowid: the next page starts right after it.
        var natural = query.Order.Count == 0;
        long? afterRow = natural && long.TryParse(query.After, CultureInfo.InvariantCulture, out var row) ? row : null;
        var after = afterRow is null ? "" : "t.rowid > $after AND ";
        command.CommandText =
            $"SELECT {Columns} FROM tasks t WHERE {after}t.company IN ($company, '') AND {translator.Where(query.Conditions)} " +
            $"ORDER BY {translator.OrderBy(query.Order)} LIMIT $take OFFSET $skip";
        command.Add("$company", company);
        command.Add("$take", query.Take);
        command.Add("$skip", query.Skip);
        command.Add("$after", afterRow);
        using var budget = await database.StartBudgetAsync(connection, query, cancellationToken).ConfigureAwait(false);
        try
        {
            long lastRow = 0;
            var tasks = await ReadTasksAsync(command, cancellationToken, reader => lastRow = reader.GetInt64(RowIdOrdinal)).ConfigureAwait(false);
            tasks = await WithModelsAsync(connection, null, tasks, cancellationToken).ConfigureAwait(false);
            var cursor = natural && tasks.Count > 0 ? lastRow.ToString(CultureInfo.InvariantCulture) : natural ? query.After : null;
            return new QueryPage<TaskRecord>(tasks, cursor);
        }
        catch (SqliteException e) when (budget.Interrupted(e))
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw QueryBudget.Exceeded(query, database.QueryTimeout);
        }
        catch (SqliteException e) when (SqliteDatabase.IsRegexTimeout(e))
        {
            throw QueryBudget.PatternTimedOut(query);
        }
        catch (SqliteException e) when (SqliteDatabase.IsTooComplex(e))
        {
            throw CairnException.Validation("the query has too many conditions or sort keys; simplify it");
        }
    }

    public Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
        NameLookup.GetAsync(database, "tasks", company, ids, cancellationToken);

    public async Task InsertAsync(TaskRecord task, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO tasks (id, company, name, type, status, status_reason, status_message, status_changed, comment, created,
                    started, completed, published, active_duration, parent, project, user_id, tags, system_tags, output, execution,
                    script, hyperparams, configuration, container, runtime, artifacts, last_iteration, last_metrics, last_update,
                    last_change, last_changed_by)
                VALUES ($id, $company, $name, $type, $status, $status_reason, $status_message, $status_changed, $comment, $created,
                    $started, $completed, $published, $active_duration, $parent, $project, $user, $tags, $system_tags, $output, $execution,
                    $script, $hyperparams, $configuration, $container, $runtime, $artifacts, $last_iteration, $last_metrics, $last_update,
                    $last_change, $last_changed_by)
                """;
            command.Add("$id", task.Id);
            command.Add("$company", task.Company);
            command.Add("$name", task.Name);
            command.Add("$type", task.Type);
            command.Add("$status", task.Status);
            command.Add("$status_reason", task.StatusReason);
            command.Add("$status_message", task.StatusMessage);
            command.Add("$status_changed", Time(task.StatusChanged));
            command.Add("$comment", task.Comment);
            command.Add("$created", SqlValues.ToDb(task.Created));
            command.Add("$started", Time(task.Started));
            command.Add("$completed", Time(task.Completed));
            command.Add("$published", Time(task.Published));
            command.Add("$active_duration", task.ActiveDuration);
            command.Add("$parent", task.Parent);
            command.Add("$project", task.Project);
            command.Add("$user", task.User);
            command.Add("$tags", SqlValues.ToTagArray(task.Tags));
            command.Add("$system_tags", SqlValues.ToTagArray(task.SystemTags));
            command.Add("$output", task.Output?.ToJsonString());
            command.Add("$execution", task.Execution?.ToJsonString());
            command.Add("$script", task.Script?.ToJsonString());
            command.Add("$hyperparams", task.Hyperparams is null ? null : EscapeNames(task.Hyperparams, 2).ToJsonString());
            command.Add("$configuration", task.Configuration is null ? null : EscapeNames(task.Configuration, 1).ToJsonString());
            command.Add("$container", task.Container?.ToJsonString());
            command.Add("$runtime", task.Runtime?.ToJsonString());
            command.Add("$artifacts", ArtifactsToJson(task.Artifacts));
            command.Add("$last_iteration", task.LastIteration);
            command.Add("$last_metrics", task.LastMetrics?.ToJsonString());
            command.Add("$last_update", SqlValues.ToDb(task.LastUpdate));
            command.Add("$last_change", Time(task.LastChange));
            command.Add("$last_changed_by", task.LastChangedBy);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await ReplaceModelsAsync(connection, transaction, task.Id, "input", task.InputModels, cancellationToken).ConfigureAwait(false);
        await ReplaceModelsAsync(connection, transaction, task.Id, "output", task.OutputModels, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<TaskChanges?> UpdateAsync(string company, string id, Func<TaskRecord, TaskChanges> change, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // An immediate transaction: the document read is the one the write replaces.
        await using var transaction = connection.BeginTransaction(deferred: false);
        var task = await LoadAsync(connection, transaction, id, "t.company = $company", company, cancellationToken).ConfigureAwait(false);
        if (task is null)
        {
            return null;
        }
        var changes = change(task);
        if (changes.IsEmpty)
        {
            return changes;
        }
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            var sets = new List<string> { "last_update = $now", "last_change = $now", "last_changed_by = $user" };
            void Set(string column, object? value)
            {
                sets.Add($"{column} = ${column}");
                command.Add("$" + column, value);
            }
            if (changes.Name is not null) Set("name", changes.Name);
            if (changes.Type is not null) Set("type", changes.Type);
            if (changes.Comment is not null) Set("comment", changes.Comment);
            if (changes.Tags is not null) Set("tags", SqlValues.ToTagArray(changes.Tags));
            if (changes.SystemTags is not null) Set("system_tags", SqlValues.ToTagArray(changes.SystemTags));
            if (changes.Parent is not null) Set("parent", changes.Parent.Length == 0 ? null : changes.Parent);
            if (changes.Project is not null) Set("project", changes.Project.Length == 0 ? null : changes.Project);
            if (changes.Created is { } created) Set("created", SqlValues.ToDb(created));
            if (changes.StatusMessage is not null) Set("status_message", changes.StatusMessage);
            if (changes.StatusReason is not null) Set("status_reason", changes.StatusReason);
            if (changes.Output is not null) Set("output", changes.Output.ToJsonString());
            if (changes.Execution is not null) Set("execution", changes.Execution.ToJsonString());
            if (changes.Script is not null) Set("script", changes.Script.ToJsonString());
            if (changes.Hyperparams is not null) Set("hyperparams", EscapeNames(changes.Hyperparams, 2).ToJsonString());
            if (changes.Configuration is not null) Set("configuration", EscapeNames(changes.Configuration, 1).ToJsonString());
            if (changes.Container is not null) Set("container", changes.Container.ToJsonString());
            if (changes.Runtime is not null) Set("runtime", changes.Runtime.ToJsonString());
            if (changes.Artifacts is not null) Set("artifacts", ArtifactsToJson(changes.Artifacts));
            if (changes.LastIteration is { } iteration) Set("last_iteration", iteration);
            command.CommandText = $"UPDATE tasks SET {string.Join(", ", sets)} WHERE id = $id";
            command.Add("$id", id);
            command.Add("$now", SqlValues.ToDb(now));
            command.Add("$user", user);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        if (changes.InputModels is not null)
        {
            await ReplaceModelsAsync(connection, transaction, id, "input", changes.InputModels, cancellationToken).ConfigureAwait(false);
        }
        if (changes.OutputModels is not null)
        {
            await ReplaceModelsAsync(connection, transaction, id, "output", changes.OutputModels, cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changes;
    }

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
        // In SET expressions "status" and "started" are the old values: leaving in_progress
        // records how long the task ran.
        command.CommandText = """
            UPDATE tasks SET status = $status, status_changed = $now, status_reason = $reason, status_message = $message,
                last_update = $now, last_change = $now, last_changed_by = $user,
                published = CASE WHEN $status = 'published' THEN $now ELSE published END,
                started = CASE WHEN $mark_started THEN COALESCE(started, $now) ELSE started END,
                completed = CASE WHEN $mark_completed THEN $now ELSE completed END,
                active_duration = CASE WHEN status = 'in_progress' AND $status <> 'in_progress' AND started IS NOT NULL
                    THEN ($now - started) / 1000.0 ELSE active_duration END
            WHERE id = $id AND company = $company AND status = $expected
            """;
        command.Add("$status", change.NewStatus);
        command.Add("$now", SqlValues.ToDb(change.Now));
        command.Add("$reason", change.Reason);
        command.Add("$message", change.Message);
        command.Add("$user", change.User);
        command.Add("$mark_started", change.MarkStarted ? 1 : 0);
        command.Add("$mark_completed", change.MarkCompleted ? 1 : 0);
        command.Add("$id", id);
        command.Add("$company", company);
        command.Add("$expected", change.ExpectedStatus);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<TaskResetResult> ResetAsync(
        string company, string id, string expectedStatus, bool clearAll, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        // Read in the write transaction: the list returned is the one the reset empties.
        var outputs = await ReadModelsAsync(connection, transaction, company, id, output: true, cancellationToken).ConfigureAwait(false);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            // Input artifacts describe what the task consumes and survive a plain reset; clear_all
            // empties the execution (ClearML keeps artifacts inside it) and drops the script.
            command.CommandText = """
                UPDATE tasks SET status = 'created', status_changed = $now, status_reason = 'reset', status_message = '',
                    started = NULL, completed = NULL, published = NULL, active_duration = NULL, last_iteration = 0,
                    last_metrics = NULL, runtime = NULL,
                    output = json_remove(COALESCE(output, '{}'), '$.result', '$.error'),
                    execution = CASE WHEN $clear_all THEN '{}' WHEN execution IS NULL THEN NULL ELSE json_remove(execution, '$.queue') END,
                    script = CASE WHEN $clear_all THEN NULL ELSE script END,
                    artifacts = CASE WHEN $clear_all THEN '{}' ELSE
                                (SELECT json_group_object(key, json(value)) FROM json_each(COALESCE(artifacts, '{}'))
                                 WHERE json_extract(value, '$.mode') = 'input') END,
                    last_update = $now, last_change = $now, last_changed_by = $user
                WHERE id = $id AND company = $company AND status = $expected
                """;
            command.Add("$now", SqlValues.ToDb(now));
            command.Add("$user", user);
            command.Add("$id", id);
            command.Add("$company", company);
            command.Add("$expected", expectedStatus);
            command.Add("$clear_all", clearAll ? 1 : 0);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return new TaskResetResult(false, []);
            }
        }
        await ReplaceModelsAsync(connection, transaction, id, "output", [], cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TaskResetResult(true, outputs);
    }

    public async Task<bool> PingAsync(string company, string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE tasks SET last_update = $now,
                active_duration = CASE WHEN status = 'in_progress' AND started IS NOT NULL THEN ($now - started) / 1000.0 ELSE active_duration END
            WHERE id = $id AND company = $company
            """;
        command.Add("$now", SqlValues.ToDb(now));
        command.Add("$id", id);
        command.Add("$company", company);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<int> StopNonRespondingAsync(DateTimeOffset staleBefore, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // One statement whose condition is re-checked per row: a ping that lands first keeps its task running.
        command.CommandText = """
            UPDATE tasks SET status = 'stopped', status_changed = $now, status_reason = $reason, status_message = '',
                completed = $now, last_update = $now, last_change = $now,
                active_duration = CASE WHEN started IS NOT NULL THEN ($now - started) / 1000.0 ELSE active_duration END
            WHERE status = 'in_progress' AND last_update < $stale
            """;
        command.Add("$now", SqlValues.ToDb(now));
        command.Add("$reason", reason);
        command.Add("$stale", SqlValues.ToDb(staleBefore));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<TaskDeleteResult> DeleteAsync(
        string company, string id, bool force, bool deleteOutputModels, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // An immediate transaction holds the write lock from here to commit: the rules are checked
        // against the rows the delete then changes, and no publish can land in between.
        await using var transaction = connection.BeginTransaction(deferred: false);
        SqliteCommand Command(string sql)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.Add("$id", id);
            command.Add("$company", company);
            return command;
        }
        var task = await LoadAsync(connection, transaction, id, "t.company = $company", company, cancellationToken).ConfigureAwait(false);
        if (task is null)
        {
            return TaskDeleteResult.Refused(TaskDeleteOutcome.NotFound, null);
        }
        if (!force && await DeleteBlockerAsync(Command, task, cancellationToken).ConfigureAwait(false) is { } blocker)
        {
            return blocker;
        }

        // The models the task made: its output list and every model naming it as its task.
        var models = new List<(string Id, bool Ready, string Uri, bool UsedElsewhere)>();
        await using (var load = Command("""
            SELECT m.id, m.ready, m.uri,
                   EXISTS (SELECT 1 FROM task_models u WHERE u.model = m.id AND u.kind = 'input' AND u.task_id <> $id)
            FROM models m
            WHERE m.company = $company
              AND (m.task = $id OR m.id IN (SELECT model FROM task_models WHERE task_id = $id AND kind = 'output'))
            """))
        {
            await using var reader = await load.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                models.Add((reader.GetString(0), reader.GetInt64(1) != 0, reader.GetString(2), reader.GetInt64(3) != 0));
            }
        }
        var deletedUrls = new List<string>();
        int deletedModels = 0, updatedModels = 0;
        foreach (var model in models)
        {
            if (deleteOutputModels && !model.Ready && !model.UsedElsewhere)
            {
                // The model goes with its events; other tasks' lists are not this task's business.
                await using var delete = Command("""
                    DELETE FROM task_models WHERE task_id = $id AND model = $model AND kind = 'output';
                    DELETE FROM scalar_events WHERE series IN (SELECT id FROM event_series WHERE model_event = 1 AND entity = $model);
                    DELETE FROM other_events WHERE series IN (SELECT id FROM event_series WHERE model_event = 1 AND entity = $model);
                    DELETE FROM event_series WHERE model_event = 1 AND entity = $model;
                    DELETE FROM models WHERE id = $model;
                    """);
                delete.Add("$model", model.Id);
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                deletedModels++;
                if (model.Uri.Length > 0)
                {
                    deletedUrls.Add(model.Uri);
                }
            }
            else
            {
                await using var mark = Command("UPDATE models SET task = $deleted, last_change = $now WHERE id = $model AND task = $id");
                mark.Add("$deleted", Model.DeletedPrefix + id);
                mark.Add("$now", SqlValues.ToDb(now));
                mark.Add("$model", model.Id);
                updatedModels += await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        int children;
        await using (var orphan = Command("UPDATE tasks SET parent = $deleted, last_change = $now WHERE parent = $id"))
        {
            orphan.Add("$deleted", Model.DeletedPrefix + id);
            orphan.Add("$now", SqlValues.ToDb(now));
            children = await orphan.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var delete = Command("DELETE FROM tasks WHERE id = $id"))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TaskDeleteResult(TaskDeleteOutcome.Deleted, task, children, updatedModels, deletedModels, deletedUrls);
    }

    /// <summary>
    /// ClearML's checks before a delete without force (<c>delete_task</c>, then
    /// <c>verify_task_children_and_ouptuts</c>), in its order; null when none refuses.
    /// </summary>
    private static async Task<TaskDeleteResult?> DeleteBlockerAsync(Func<string, SqliteCommand> command, TaskRecord task, CancellationToken cancellationToken)
    {
        if (task.Status != TaskStatuses.Created && !task.Archived)
        {
            return TaskDeleteResult.Refused(TaskDeleteOutcome.InvalidStatus, task);
        }
        async Task<long> CountAsync(string sql)
        {
            await using var count = command(sql);
            return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        var children = await CountAsync("SELECT COUNT(*) FROM tasks WHERE parent = $id AND status = 'published'").ConfigureAwait(false);
        if (children > 0)
        {
            return TaskDeleteResult.Refused(TaskDeleteOutcome.HasPublishedChildren, task) with { BlockingCount = (int)children };
        }
        var created = await CountAsync("SELECT COUNT(*) FROM models WHERE task = $id AND company = $company AND ready <> 0").ConfigureAwait(false);
        if (created > 0)
        {
            return TaskDeleteResult.Refused(TaskDeleteOutcome.HasPublishedModels, task) with { BlockingCount = (int)created };
        }
        await using var output = command("""
            SELECT m.id FROM task_models l JOIN models m ON m.id = l.model
            WHERE l.task_id = $id AND l.kind = 'output' AND m.ready <> 0 ORDER BY l.position LIMIT 1
            """);
        return await output.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string model
            ? TaskDeleteResult.Refused(TaskDeleteOutcome.HasPublishedOutputModel, task) with { BlockingCount = 1, BlockingModel = model }
            : null;
    }

    public async Task<IReadOnlyList<TaskModelItem>> GetModelsAsync(string company, string id, bool output, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadModelsAsync(connection, null, company, id, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A task's model list; with a company, only of that company's (or a public) task.</summary>
    private static async Task<List<TaskModelItem>> ReadModelsAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string? company, string id, bool output, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT name, model, updated FROM task_models
            WHERE task_id = $id AND kind = $kind
              AND ($company IS NULL OR EXISTS (SELECT 1 FROM tasks WHERE id = $id AND company IN ($company, '')))
            ORDER BY position
            """;
        command.Add("$id", id);
        command.Add("$kind", output ? "output" : "input");
        command.Add("$company", company);
        var items = new List<TaskModelItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new TaskModelItem(reader.GetString(0), reader.GetString(1), SqlValues.ToDateTime(reader.GetInt64(2))));
        }
        return items;
    }

    public async Task<bool> AddOrUpdateModelAsync(string company, string id, bool output, TaskModelItem item, CancellationToken cancellationToken = default) =>
        await UpsertModelAsync(company, id, output, item, cancellationToken).ConfigureAwait(false);

    private async Task<bool> UpsertModelAsync(string? company, string id, bool output, TaskModelItem item, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // An entry with the same name keeps its place in the list; a new one goes last. Writing
        // needs the company's own task: a public one is read-only.
        command.CommandText = """
            INSERT INTO task_models (task_id, kind, name, model, updated, position)
            SELECT $id, $kind, $name, $model, $updated,
                   (SELECT COALESCE(MAX(position) + 1, 0) FROM task_models WHERE task_id = $id AND kind = $kind)
            WHERE $company IS NULL OR EXISTS (SELECT 1 FROM tasks WHERE id = $id AND company = $company)
            ON CONFLICT (task_id, kind, name) DO UPDATE SET model = excluded.model, updated = excluded.updated
            """;
        command.Add("$id", id);
        command.Add("$kind", output ? "output" : "input");
        command.Add("$name", item.Name);
        command.Add("$model", item.Model);
        command.Add("$updated", SqlValues.ToDb(item.Updated));
        command.Add("$company", company);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public Task<JsonObject?> GetExecutionAsync(string company, string id, CancellationToken cancellationToken = default) =>
        ReadExecutionAsync(company, id, cancellationToken);

    private async Task<JsonObject?> ReadExecutionAsync(string? company, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT execution FROM tasks WHERE id = $id AND ($company IS NULL OR company IN ($company, ''))";
        command.Add("$id", id);
        command.Add("$company", company);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? JsonNode.Parse(json) as JsonObject : null;
    }

    private static async Task<TaskRecord?> LoadAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string id, string scope, string company, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {Columns} FROM tasks t WHERE t.id = $id AND {scope}";
        command.Add("$id", id);
        command.Add("$company", company);
        var found = await ReadTasksAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : (await WithModelsAsync(connection, transaction, found, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Fills in the model lists of <paramref name="tasks"/> with one query.</summary>
    private static async Task<List<TaskRecord>> WithModelsAsync(
        SqliteConnection connection, SqliteTransaction? transaction, List<TaskRecord> tasks, CancellationToken cancellationToken)
    {
        if (tasks.Count == 0)
        {
            return tasks;
        }
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            $"SELECT task_id, kind, name, model, updated FROM task_models WHERE task_id IN {command.AddList("$ids", tasks.Select(t => t.Id))} ORDER BY task_id, kind, position";
        var lists = new Dictionary<(string, string), List<TaskModelItem>>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(0), reader.GetString(1));
                if (!lists.TryGetValue(key, out var list))
                {
                    lists[key] = list = [];
                }
                list.Add(new TaskModelItem(reader.GetString(2), reader.GetString(3), SqlValues.ToDateTime(reader.GetInt64(4))));
            }
        }
        return tasks.Select(t => t with
        {
            InputModels = lists.GetValueOrDefault((t.Id, "input")) ?? [],
            OutputModels = lists.GetValueOrDefault((t.Id, "output")) ?? [],
        }).ToList();
    }

    private static async Task ReplaceModelsAsync(
        SqliteConnection connection, SqliteTransaction transaction, string id, string kind, IReadOnlyList<TaskModelItem> items, CancellationToken cancellationToken)
    {
        await using (var clear = connection.CreateCommand())
        {
            clear.Transaction = transaction;
            clear.CommandText = "DELETE FROM task_models WHERE task_id = $id AND kind = $kind";
            clear.Add("$id", id);
            clear.Add("$kind", kind);
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var position = 0;
        foreach (var item in items)
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO task_models (task_id, kind, name, model, updated, position) VALUES ($id, $kind, $name, $model, $updated, $position)
                ON CONFLICT (task_id, kind, name) DO UPDATE SET model = excluded.model, updated = excluded.updated
                """;
            insert.Add("$id", id);
            insert.Add("$kind", kind);
            insert.Add("$name", item.Name);
            insert.Add("$model", item.Model);
            insert.Add("$updated", SqlValues.ToDb(item.Updated));
            insert.Add("$position", position++);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<List<TaskRecord>> ReadTasksAsync(SqliteCommand command, CancellationToken cancellationToken, Action<SqliteDataReader>? onRow = null)
    {
        var tasks = new List<TaskRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var hyperparams = ReadObject(reader, 22);
            var configuration = ReadObject(reader, 23);
            tasks.Add(new TaskRecord
            {
                Id = reader.GetString(0),
                Company = reader.GetString(1),
                Name = reader.GetString(2),
                Type = reader.GetString(3),
                Status = reader.GetString(4),
                StatusReason = reader.GetStringOrNull(5),
                StatusMessage = reader.GetStringOrNull(6),
                StatusChanged = ReadTime(reader, 7),
                Comment = reader.GetStringOrNull(8),
                Created = SqlValues.ToDateTime(reader.GetInt64(9)),
                Started = ReadTime(reader, 10),
                Completed = ReadTime(reader, 11),
                Published = ReadTime(reader, 12),
                ActiveDuration = reader.IsDBNull(13) ? null : reader.GetDouble(13),
                Parent = reader.GetStringOrNull(14),
                Project = reader.GetStringOrNull(15),
                User = reader.GetStringOrNull(16),
                Tags = SqlValues.FromJsonArray(reader.GetString(17)),
                SystemTags = SqlValues.FromJsonArray(reader.GetString(18)),
                Output = ReadObject(reader, 19),
                Execution = ReadObject(reader, 20),
                Script = ReadObject(reader, 21),
                Hyperparams = hyperparams is null ? null : UnescapeNames(hyperparams, 2),
                Configuration = configuration is null ? null : UnescapeNames(configuration, 1),
                Container = ReadObject(reader, 24),
                Runtime = ReadObject(reader, 25),
                Artifacts = ArtifactsFromJson(reader.GetStringOrNull(26)),
                LastIteration = reader.GetInt64(27),
                LastMetrics = ReadObject(reader, 28),
                LastUpdate = SqlValues.ToDateTime(reader.GetInt64(29)),
                LastChange = ReadTime(reader, 30),
                LastChangedBy = reader.GetStringOrNull(31),
            });
            onRow?.Invoke(reader);
        }
        return tasks;
    }

    private static long? Time(DateTimeOffset? value) => value is { } time ? SqlValues.ToDb(time) : null;

    private static DateTimeOffset? ReadTime(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : SqlValues.ToDateTime(reader.GetInt64(ordinal));

    private static JsonObject? ReadObject(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : JsonNode.Parse(reader.GetString(ordinal)) as JsonObject;

    /// <summary>Escapes the names of the first <paramref name="depth"/> levels (sections, then parameters) as ClearML stores them.</summary>
    private static JsonObject EscapeNames(JsonObject names, int depth) => MapNames(names, depth, MetadataKey.Escape);

    private static JsonObject UnescapeNames(JsonObject names, int depth) => MapNames(names, depth, MetadataKey.Unescape);

    private static JsonObject MapNames(JsonObject names, int depth, Func<string, string> map)
    {
        var result = new JsonObject();
        foreach (var (name, value) in names)
        {
            result[map(name)] = depth > 1 && value is JsonObject inner ? MapNames(inner, depth - 1, map) : value?.DeepClone();
        }
        return result;
    }

    /// <summary>Artifacts are stored as ClearML keeps them: a map keyed <c>md5(key) + "_" + mode</c>.</summary>
    private static string ArtifactsToJson(IReadOnlyList<JsonObject> artifacts)
    {
        var map = new JsonObject();
        foreach (var artifact in artifacts)
        {
            map[TaskRules.ArtifactId(TaskRules.KeyOf(artifact), TaskRules.ModeOf(artifact))] = artifact.DeepClone();
        }
        return map.ToJsonString();
    }

    private static List<JsonObject> ArtifactsFromJson(string? json) =>
        json is null || JsonNode.Parse(json) is not JsonObject map
            ? []
            : TaskRules.Sorted(map.Select(kv => kv.Value).OfType<JsonObject>().Select(a => (JsonObject)a.DeepClone()));
}
