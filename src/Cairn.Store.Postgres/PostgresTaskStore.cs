using System.Globalization;
using System.Text.Json.Nodes;
using Cairn.Core.Models;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Npgsql;

namespace Cairn.Store.Postgres;

/// <summary>Tasks on PostgreSQL, with the SQLite store's answers (migrations 004 and 005).</summary>
internal sealed class PostgresTaskStore(PostgresDatabase database) : ITaskStore
{
    private const string Columns =
        "t.id, t.company, t.name, t.type, t.status, t.status_reason, t.status_message, t.status_changed, t.comment, t.created, " +
        "t.started, t.completed, t.published, t.active_duration, t.parent, t.project, t.user_id, t.tags, t.system_tags, t.output, " +
        "t.execution, t.script, t.hyperparams, t.configuration, t.container, t.runtime, t.artifacts, t.last_iteration, t.last_metrics, " +
        "t.last_update, t.last_change, t.last_changed_by, t.seq";

    private const int SeqOrdinal = 32;

    private static readonly Dictionary<string, Column> FixedColumns = new()
    {
        ["id"] = new(FieldKind.Text, "t.id", NeverEmpty: true),
        ["name"] = new(FieldKind.Text, "t.name", NeverEmpty: true),
        ["comment"] = new(FieldKind.Text, "t.comment"),
        ["report"] = new(FieldKind.Text, "NULL::text"), // Cairn tasks have no report.
        ["user"] = new(FieldKind.Text, "t.user_id"),
        ["company"] = new(FieldKind.Text, "t.company"),
        ["project"] = new(FieldKind.Text, "t.project"),
        ["parent"] = new(FieldKind.Text, "t.parent"),
        ["type"] = new(FieldKind.Text, "t.type", NeverEmpty: true),
        ["status"] = new(FieldKind.Text, "t.status", NeverEmpty: true),
        ["status_reason"] = new(FieldKind.Text, "t.status_reason"),
        ["status_message"] = new(FieldKind.Text, "t.status_message"),
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
        ["execution.queue"] = new(FieldKind.Text, "(t.execution::json ->> 'queue')"),
        ["models.input.model"] = new(FieldKind.TextList,
            "ARRAY(SELECT model FROM task_models WHERE task_id = t.id AND kind = 'input' ORDER BY position)"),
        ["models.output.model"] = new(FieldKind.TextList,
            "ARRAY(SELECT model FROM task_models WHERE task_id = t.id AND kind = 'output' ORDER BY position)"),
    };

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
                    return PostgresModelStore.Missing;
                }
                var escaped = names.Select(n => MetadataKey.Escape(MetadataKey.Unescape(n))).Append(parts[^1]).ToList();
                return PostgresModelStore.JsonText($"t.{parts[0]}", escaped);
            }
            case "hyperparams" or "configuration":
                return PostgresModelStore.Missing;
            case "last_metrics" when parts.Length is >= 2 and <= 4:
                return PostgresModelStore.JsonNumber("t.last_metrics", parts[1..]);
            case "last_metrics":
                return PostgresModelStore.Missing;
            case "runtime" when parts.Length == 2:
                return PostgresModelStore.JsonText("t.runtime", parts[1..]);
            default:
                return null;
        }
    }

    public async Task<TaskInfo?> GetInfoOrNullAsync(string company, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT id, company, name, status, project, last_iteration FROM tasks WHERE id = @id AND company IN (@company, '')", connection);
        command.Add("id", id);
        command.Add("company", company);
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
        return await LoadAsync(connection, null, id, "t.company IN (@company, '')", company, forUpdate: false, cancellationToken).ConfigureAwait(false);
    }

    public async Task<QueryPage<TaskRecord>> QueryAsync(string company, EntityQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var translator = new PostgresQueryTranslator(ResolveColumn, "t.seq", command);
        // In natural order a cursor is the last row's seq: the next page starts right after it.
        var natural = query.Order.Count == 0;
        long? afterRow = natural && long.TryParse(query.After, CultureInfo.InvariantCulture, out var row) ? row : null;
        var after = afterRow is null ? "" : "t.seq > @after AND ";
        command.CommandText =
            $"SELECT {Columns} FROM tasks t WHERE {after}t.company IN (@company, '') AND {translator.Where(query.Conditions)} " +
            $"ORDER BY {translator.OrderBy(query.Order)} LIMIT @take OFFSET @skip";
        command.Add("company", company);
        command.Add("take", query.Take);
        command.Add("skip", query.Skip);
        command.AddLong("after", afterRow);
        return await PostgresQueryBudget.RunAsync(connection, query, async () =>
        {
            long lastRow = 0;
            var tasks = await ReadTasksAsync(command, cancellationToken, reader => lastRow = reader.GetInt64(SeqOrdinal)).ConfigureAwait(false);
            tasks = await WithModelsAsync(connection, null, tasks, cancellationToken).ConfigureAwait(false);
            var cursor = natural && tasks.Count > 0 ? lastRow.ToString(CultureInfo.InvariantCulture) : natural ? query.After : null;
            return new QueryPage<TaskRecord>(tasks, cursor);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
        PostgresNames.GetAsync(database, "tasks", company, ids, cancellationToken);

    public async Task InsertAsync(TaskRecord task, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("""
            INSERT INTO tasks (id, company, name, type, status, status_reason, status_message, status_changed, comment, created,
                started, completed, published, active_duration, parent, project, user_id, tags, system_tags, output, execution,
                script, hyperparams, configuration, container, runtime, artifacts, last_iteration, last_metrics, last_update,
                last_change, last_changed_by)
            VALUES (@id, @company, @name, @type, @status, @status_reason, @status_message, @status_changed, @comment, @created,
                @started, @completed, @published, @active_duration, @parent, @project, @user, @tags, @system_tags, @output, @execution,
                @script, @hyperparams, @configuration, @container, @runtime, @artifacts, @last_iteration, @last_metrics, @last_update,
                @last_change, @last_changed_by)
            """, connection, transaction))
        {
            command.Add("id", task.Id);
            command.Add("company", task.Company);
            command.Add("name", task.Name);
            command.Add("type", task.Type);
            command.Add("status", task.Status);
            command.AddText("status_reason", task.StatusReason);
            command.AddText("status_message", task.StatusMessage);
            command.AddLong("status_changed", PostgresText.Time(task.StatusChanged));
            command.AddText("comment", task.Comment);
            command.Add("created", PostgresValues.ToDb(task.Created));
            command.AddLong("started", PostgresText.Time(task.Started));
            command.AddLong("completed", PostgresText.Time(task.Completed));
            command.AddLong("published", PostgresText.Time(task.Published));
            command.Parameters.Add(new NpgsqlParameter("active_duration", NpgsqlTypes.NpgsqlDbType.Double) { Value = (object?)task.ActiveDuration ?? DBNull.Value });
            command.AddText("parent", task.Parent);
            command.AddText("project", task.Project);
            command.AddText("user", task.User);
            command.AddTextArray("tags", PostgresText.TagArray(task.Tags));
            command.AddTextArray("system_tags", PostgresText.TagArray(task.SystemTags));
            command.AddText("output", task.Output?.ToJsonString());
            command.AddText("execution", task.Execution?.ToJsonString());
            command.AddText("script", task.Script?.ToJsonString());
            command.AddText("hyperparams", task.Hyperparams is null ? null : EscapeNames(task.Hyperparams, 2).ToJsonString());
            command.AddText("configuration", task.Configuration is null ? null : EscapeNames(task.Configuration, 1).ToJsonString());
            command.AddText("container", task.Container?.ToJsonString());
            command.AddText("runtime", task.Runtime?.ToJsonString());
            command.AddText("artifacts", ArtifactsToJson(task.Artifacts));
            command.Add("last_iteration", task.LastIteration);
            command.AddText("last_metrics", task.LastMetrics?.ToJsonString());
            command.Add("last_update", PostgresValues.ToDb(task.LastUpdate));
            command.AddLong("last_change", PostgresText.Time(task.LastChange));
            command.AddText("last_changed_by", task.LastChangedBy);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await ReplaceModelsAsync(connection, transaction, task.Id, "input", task.InputModels, cancellationToken).ConfigureAwait(false);
        await ReplaceModelsAsync(connection, transaction, task.Id, "output", task.OutputModels, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<TaskChanges?> UpdateAsync(string company, string id, Func<TaskRecord, TaskChanges> change, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The row is locked from the read: the document read is the one the write replaces.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var task = await LoadAsync(connection, transaction, id, "t.company = @company", company, forUpdate: true, cancellationToken).ConfigureAwait(false);
        if (task is null)
        {
            return null;
        }
        var changes = change(task);
        if (changes.IsEmpty)
        {
            return changes;
        }
        await using (var command = new NpgsqlCommand { Connection = connection, Transaction = transaction })
        {
            var sets = new List<string> { "last_update = @now", "last_change = @now", "last_changed_by = @user" };
            void Set(string column, string? value)
            {
                sets.Add($"{column} = @{column}");
                command.AddText(column, value);
            }
            void SetArray(string column, IEnumerable<string> value)
            {
                sets.Add($"{column} = @{column}");
                command.AddTextArray(column, PostgresText.TagArray(value));
            }
            if (changes.Name is not null) Set("name", changes.Name);
            if (changes.Type is not null) Set("type", changes.Type);
            if (changes.Comment is not null) Set("comment", changes.Comment);
            if (changes.Tags is not null) SetArray("tags", changes.Tags);
            if (changes.SystemTags is not null) SetArray("system_tags", changes.SystemTags);
            if (changes.Parent is not null) Set("parent", changes.Parent.Length == 0 ? null : changes.Parent);
            if (changes.Project is not null) Set("project", changes.Project.Length == 0 ? null : changes.Project);
            if (changes.Created is { } created)
            {
                sets.Add("created = @created");
                command.Add("created", PostgresValues.ToDb(created));
            }
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
            if (changes.LastIteration is { } iteration)
            {
                sets.Add("last_iteration = @last_iteration");
                command.Add("last_iteration", iteration);
            }
            command.CommandText = $"UPDATE tasks SET {string.Join(", ", sets)} WHERE id = @id";
            command.Add("id", id);
            command.Add("now", PostgresValues.ToDb(now));
            command.Add("user", user);
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
        await using var command = new NpgsqlCommand(
            "UPDATE tasks SET last_iteration = @iteration, last_update = @now WHERE id = @id AND company = @company AND last_iteration < @iteration", connection);
        command.Add("iteration", iteration);
        command.Add("now", PostgresValues.ToDb(now));
        command.Add("id", id);
        command.Add("company", company);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ChangeStatusAsync(string company, string id, TaskStatusChange change, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ChangeStatusAsync(connection, null, company, id, change, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The status compare-and-set, on a caller's connection and transaction (the model store publishes with it).</summary>
    internal static async Task<bool> ChangeStatusAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string company, string id, TaskStatusChange change, CancellationToken cancellationToken)
    {
        // In SET expressions "status" and "started" are the old values: leaving in_progress
        // records how long the task ran. One statement: PostgreSQL re-checks the WHERE on the
        // row it locks, so of two racing changes from one status only one matches.
        await using var command = new NpgsqlCommand("""
            UPDATE tasks SET status = @status, status_changed = @now, status_reason = @reason, status_message = @message,
                last_update = @now, last_change = @now, last_changed_by = @user,
                published = CASE WHEN @status = 'published' THEN @now ELSE published END,
                started = CASE WHEN @mark_started THEN COALESCE(started, @now) ELSE started END,
                completed = CASE WHEN @mark_completed THEN @now ELSE completed END,
                active_duration = CASE WHEN status = 'in_progress' AND @status <> 'in_progress' AND started IS NOT NULL
                    THEN (@now - started) / 1000.0 ELSE active_duration END
            WHERE id = @id AND company = @company AND status = @expected
            """, connection, transaction);
        command.AddText("status", change.NewStatus);
        command.Add("now", PostgresValues.ToDb(change.Now));
        command.AddText("reason", change.Reason);
        command.AddText("message", change.Message);
        command.AddText("user", change.User);
        command.Add("mark_started", change.MarkStarted);
        command.Add("mark_completed", change.MarkCompleted);
        command.Add("id", id);
        command.Add("company", company);
        command.AddText("expected", change.ExpectedStatus);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<TaskResetResult> ResetAsync(
        string company, string id, string expectedStatus, bool clearAll, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        string? output, execution, artifacts;
        await using (var load = new NpgsqlCommand(
            "SELECT output, execution, artifacts FROM tasks WHERE id = @id AND company = @company AND status = @expected FOR UPDATE", connection, transaction))
        {
            load.Add("id", id);
            load.Add("company", company);
            load.Add("expected", expectedStatus);
            await using var reader = await load.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new TaskResetResult(false, []);
            }
            (output, execution, artifacts) = (reader.GetStringOrNull(0), reader.GetStringOrNull(1), reader.GetStringOrNull(2));
        }
        // Read under the row's lock: the list returned is the one the reset empties.
        var outputs = await ReadModelsAsync(connection, transaction, company, id, output: true, cancellationToken).ConfigureAwait(false);

        var newOutput = (output is null ? null : JsonNode.Parse(output) as JsonObject) ?? [];
        newOutput.Remove("result");
        newOutput.Remove("error");
        string? newExecution;
        string newArtifacts;
        if (clearAll)
        {
            // clear_all empties the execution (ClearML keeps artifacts inside it) and drops the script.
            newExecution = "{}";
            newArtifacts = "{}";
        }
        else
        {
            if (execution is not null && JsonNode.Parse(execution) is JsonObject executionObject)
            {
                executionObject.Remove("queue");
                newExecution = executionObject.ToJsonString();
            }
            else
            {
                newExecution = execution;
            }
            // Input artifacts describe what the task consumes and survive a plain reset.
            var kept = new JsonObject();
            if (artifacts is not null && JsonNode.Parse(artifacts) is JsonObject map)
            {
                foreach (var (key, value) in map)
                {
                    if (value is JsonObject artifact && artifact["mode"] is JsonValue mode && mode.TryGetValue<string>(out var text) && text == "input")
                    {
                        kept[key] = artifact.DeepClone();
                    }
                }
            }
            newArtifacts = kept.ToJsonString();
        }
        await using (var command = new NpgsqlCommand("""
            UPDATE tasks SET status = 'created', status_changed = @now, status_reason = 'reset', status_message = '',
                started = NULL, completed = NULL, published = NULL, active_duration = NULL, last_iteration = 0,
                last_metrics = NULL, runtime = NULL, output = @output, execution = @execution,
                script = CASE WHEN @clear_all THEN NULL ELSE script END, artifacts = @artifacts,
                last_update = @now, last_change = @now, last_changed_by = @user
            WHERE id = @id
            """, connection, transaction))
        {
            command.Add("now", PostgresValues.ToDb(now));
            command.Add("user", user);
            command.Add("id", id);
            command.Add("clear_all", clearAll);
            command.AddText("output", newOutput.ToJsonString());
            command.AddText("execution", newExecution);
            command.AddText("artifacts", newArtifacts);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await ReplaceModelsAsync(connection, transaction, id, "output", [], cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TaskResetResult(true, outputs);
    }

    public async Task<bool> PingAsync(string company, string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            UPDATE tasks SET last_update = @now,
                active_duration = CASE WHEN status = 'in_progress' AND started IS NOT NULL THEN (@now - started) / 1000.0 ELSE active_duration END
            WHERE id = @id AND company = @company
            """, connection);
        command.Add("now", PostgresValues.ToDb(now));
        command.Add("id", id);
        command.Add("company", company);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<int> StopNonRespondingAsync(DateTimeOffset staleBefore, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One statement whose condition is re-checked per locked row: a ping that lands first keeps its task running.
        await using var command = new NpgsqlCommand("""
            UPDATE tasks SET status = 'stopped', status_changed = @now, status_reason = @reason, status_message = '',
                completed = @now, last_update = @now, last_change = @now,
                active_duration = CASE WHEN started IS NOT NULL THEN (@now - started) / 1000.0 ELSE active_duration END
            WHERE status = 'in_progress' AND last_update < @stale
            """, connection);
        command.Add("now", PostgresValues.ToDb(now));
        command.Add("reason", reason);
        command.Add("stale", PostgresValues.ToDb(staleBefore));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<TaskDeleteResult> DeleteAsync(
        string company, string id, bool force, bool deleteOutputModels, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlCommand Command(string sql)
        {
            var command = new NpgsqlCommand(sql, connection, transaction);
            command.Add("id", id);
            command.Add("company", company);
            return command;
        }
        var task = await LoadAsync(connection, transaction, id, "t.company = @company", company, forUpdate: true, cancellationToken).ConfigureAwait(false);
        if (task is null)
        {
            return TaskDeleteResult.Refused(TaskDeleteOutcome.NotFound, null);
        }
        // The models the task made, locked before the rules read them: no publish lands in between.
        var models = new List<(string Id, bool Ready, string Uri, bool UsedElsewhere)>();
        await using (var load = Command("""
            SELECT m.id, m.ready, m.uri,
                   EXISTS (SELECT 1 FROM task_models u WHERE u.model = m.id AND u.kind = 'input' AND u.task_id <> @id)
            FROM models m
            WHERE m.company = @company
              AND (m.task = @id OR m.id IN (SELECT model FROM task_models WHERE task_id = @id AND kind = 'output'))
            ORDER BY m.id FOR UPDATE OF m
            """))
        {
            await using var reader = await load.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                models.Add((reader.GetString(0), reader.GetBoolean(1), reader.GetString(2), reader.GetBoolean(3)));
            }
        }
        if (!force && await DeleteBlockerAsync(Command, task, cancellationToken).ConfigureAwait(false) is { } blocker)
        {
            return blocker;
        }
        var deletedUrls = new List<string>();
        int deletedModels = 0, updatedModels = 0;
        foreach (var model in models)
        {
            if (deleteOutputModels && !model.Ready && !model.UsedElsewhere)
            {
                // The model goes with its events; other tasks' lists are not this task's business.
                await using var delete = Command("""
                    DELETE FROM task_models WHERE task_id = @id AND model = @model AND kind = 'output';
                    DELETE FROM scalar_events WHERE series IN (SELECT id FROM event_series WHERE model_event AND entity = @model);
                    DELETE FROM other_events WHERE series IN (SELECT id FROM event_series WHERE model_event AND entity = @model);
                    DELETE FROM event_series WHERE model_event AND entity = @model;
                    DELETE FROM models WHERE id = @model;
                    """);
                delete.Add("model", model.Id);
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                deletedModels++;
                if (model.Uri.Length > 0)
                {
                    deletedUrls.Add(model.Uri);
                }
            }
            else
            {
                await using var mark = Command("UPDATE models SET task = @deleted, last_change = @now WHERE id = @model AND task = @id");
                mark.Add("deleted", Model.DeletedPrefix + id);
                mark.Add("now", PostgresValues.ToDb(now));
                mark.Add("model", model.Id);
                updatedModels += await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        int children;
        await using (var orphan = Command("UPDATE tasks SET parent = @deleted, last_change = @now WHERE parent = @id"))
        {
            orphan.Add("deleted", Model.DeletedPrefix + id);
            orphan.Add("now", PostgresValues.ToDb(now));
            children = await orphan.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var delete = Command("DELETE FROM tasks WHERE id = @id"))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TaskDeleteResult(TaskDeleteOutcome.Deleted, task, children, updatedModels, deletedModels, deletedUrls);
    }

    /// <summary>ClearML's checks before a delete without force, in its order; null when none refuses.</summary>
    private static async Task<TaskDeleteResult?> DeleteBlockerAsync(Func<string, NpgsqlCommand> command, TaskRecord task, CancellationToken cancellationToken)
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
        var children = await CountAsync("SELECT COUNT(*) FROM tasks WHERE parent = @id AND status = 'published'").ConfigureAwait(false);
        if (children > 0)
        {
            return TaskDeleteResult.Refused(TaskDeleteOutcome.HasPublishedChildren, task) with { BlockingCount = (int)children };
        }
        var created = await CountAsync("SELECT COUNT(*) FROM models WHERE task = @id AND company = @company AND ready").ConfigureAwait(false);
        if (created > 0)
        {
            return TaskDeleteResult.Refused(TaskDeleteOutcome.HasPublishedModels, task) with { BlockingCount = (int)created };
        }
        await using var output = command("""
            SELECT m.id FROM task_models l JOIN models m ON m.id = l.model
            WHERE l.task_id = @id AND l.kind = 'output' AND m.ready ORDER BY l.position LIMIT 1
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
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string? company, string id, bool output, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT name, model, updated FROM task_models
            WHERE task_id = @id AND kind = @kind
              AND (@company IS NULL OR EXISTS (SELECT 1 FROM tasks WHERE id = @id AND company IN (@company, '')))
            ORDER BY position
            """, connection, transaction);
        command.Add("id", id);
        command.Add("kind", output ? "output" : "input");
        command.AddText("company", company);
        var items = new List<TaskModelItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new TaskModelItem(reader.GetString(0), reader.GetString(1), PostgresValues.ToDateTime(reader.GetInt64(2))));
        }
        return items;
    }

    public async Task<bool> AddOrUpdateModelAsync(string company, string id, bool output, TaskModelItem item, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The task's row lock orders concurrent additions, so each new entry gets its own position.
        // Writing needs the company's own task: a public one is read-only.
        await using (var lockTask = new NpgsqlCommand("SELECT 1 FROM tasks WHERE id = @id AND company = @company FOR UPDATE", connection, transaction))
        {
            lockTask.Add("id", id);
            lockTask.Add("company", company);
            if (await lockTask.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                return false;
            }
        }
        // An entry with the same name keeps its place in the list; a new one goes last.
        await using var command = new NpgsqlCommand("""
            INSERT INTO task_models (task_id, kind, name, model, updated, position)
            SELECT @id, @kind, @name, @model, @updated,
                   (SELECT COALESCE(MAX(position) + 1, 0) FROM task_models WHERE task_id = @id AND kind = @kind)
            ON CONFLICT (task_id, kind, name) DO UPDATE SET model = excluded.model, updated = excluded.updated
            """, connection, transaction);
        command.Add("id", id);
        command.Add("kind", output ? "output" : "input");
        command.Add("name", item.Name);
        command.Add("model", item.Model);
        command.Add("updated", PostgresValues.ToDb(item.Updated));
        var written = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }

    public async Task<JsonObject?> GetExecutionAsync(string company, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT execution FROM tasks WHERE id = @id AND company IN (@company, '')", connection);
        command.Add("id", id);
        command.Add("company", company);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? JsonNode.Parse(json) as JsonObject : null;
    }

    private static async Task<TaskRecord?> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, string scope, string company, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns} FROM tasks t WHERE t.id = @id AND {scope}{(forUpdate ? " FOR UPDATE" : "")}", connection, transaction);
        command.Add("id", id);
        command.Add("company", company);
        var found = await ReadTasksAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : (await WithModelsAsync(connection, transaction, found, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Fills in the model lists of <paramref name="tasks"/> with one query.</summary>
    private static async Task<List<TaskRecord>> WithModelsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, List<TaskRecord> tasks, CancellationToken cancellationToken)
    {
        if (tasks.Count == 0)
        {
            return tasks;
        }
        await using var command = new NpgsqlCommand(
            "SELECT task_id, kind, name, model, updated FROM task_models WHERE task_id = ANY(@ids) ORDER BY task_id, kind, position", connection, transaction);
        command.AddTextArray("ids", tasks.Select(t => t.Id).Distinct());
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
                list.Add(new TaskModelItem(reader.GetString(2), reader.GetString(3), PostgresValues.ToDateTime(reader.GetInt64(4))));
            }
        }
        return tasks.Select(t => t with
        {
            InputModels = lists.GetValueOrDefault((t.Id, "input")) ?? [],
            OutputModels = lists.GetValueOrDefault((t.Id, "output")) ?? [],
        }).ToList();
    }

    private static async Task ReplaceModelsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string id, string kind, IReadOnlyList<TaskModelItem> items, CancellationToken cancellationToken)
    {
        await using (var clear = new NpgsqlCommand("DELETE FROM task_models WHERE task_id = @id AND kind = @kind", connection, transaction))
        {
            clear.Add("id", id);
            clear.Add("kind", kind);
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var position = 0;
        foreach (var item in items)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO task_models (task_id, kind, name, model, updated, position) VALUES (@id, @kind, @name, @model, @updated, @position)
                ON CONFLICT (task_id, kind, name) DO UPDATE SET model = excluded.model, updated = excluded.updated
                """, connection, transaction);
            insert.Add("id", id);
            insert.Add("kind", kind);
            insert.Add("name", item.Name);
            insert.Add("model", item.Model);
            insert.Add("updated", PostgresValues.ToDb(item.Updated));
            insert.Add("position", position++);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<List<TaskRecord>> ReadTasksAsync(NpgsqlCommand command, CancellationToken cancellationToken, Action<NpgsqlDataReader>? onRow = null)
    {
        var tasks = new List<TaskRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var hyperparams = reader.ReadObject(22);
            var configuration = reader.ReadObject(23);
            tasks.Add(new TaskRecord
            {
                Id = reader.GetString(0),
                Company = reader.GetString(1),
                Name = reader.GetString(2),
                Type = reader.GetString(3),
                Status = reader.GetString(4),
                StatusReason = reader.GetStringOrNull(5),
                StatusMessage = reader.GetStringOrNull(6),
                StatusChanged = reader.ReadTime(7),
                Comment = reader.GetStringOrNull(8),
                Created = PostgresValues.ToDateTime(reader.GetInt64(9)),
                Started = reader.ReadTime(10),
                Completed = reader.ReadTime(11),
                Published = reader.ReadTime(12),
                ActiveDuration = reader.IsDBNull(13) ? null : reader.GetDouble(13),
                Parent = reader.GetStringOrNull(14),
                Project = reader.GetStringOrNull(15),
                User = reader.GetStringOrNull(16),
                Tags = reader.GetFieldValue<string[]>(17),
                SystemTags = reader.GetFieldValue<string[]>(18),
                Output = reader.ReadObject(19),
                Execution = reader.ReadObject(20),
                Script = reader.ReadObject(21),
                Hyperparams = hyperparams is null ? null : UnescapeNames(hyperparams, 2),
                Configuration = configuration is null ? null : UnescapeNames(configuration, 1),
                Container = reader.ReadObject(24),
                Runtime = reader.ReadObject(25),
                Artifacts = ArtifactsFromJson(reader.GetStringOrNull(26)),
                LastIteration = reader.GetInt64(27),
                LastMetrics = reader.ReadObject(28),
                LastUpdate = PostgresValues.ToDateTime(reader.GetInt64(29)),
                LastChange = reader.ReadTime(30),
                LastChangedBy = reader.GetStringOrNull(31),
            });
            onRow?.Invoke(reader);
        }
        return tasks;
    }

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
