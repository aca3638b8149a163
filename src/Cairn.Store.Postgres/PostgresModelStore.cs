using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Models;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Npgsql;

namespace Cairn.Store.Postgres;

/// <summary>Models on PostgreSQL, with the SQLite store's answers (migration 004).</summary>
internal sealed class PostgresModelStore(PostgresDatabase database) : IModelStore
{
    /// <summary>Orders text numeric-aware (ICU's numeric collation), for metadata and metrics, as SQLite's CAIRN_NATURAL.</summary>
    internal const string NaturalCollation = "cairn_natural";

    private static readonly string[] ColumnList =
    [
        "m.id", "m.company", "m.company_origin", "m.name", "m.user_id", "m.created", "m.last_update", "m.last_change", "m.last_changed_by",
        "m.task", "m.parent", "m.project", "m.comment", "m.tags", "m.system_tags", "m.framework", "m.design", "m.labels", "m.uri", "m.ready",
        "m.ui_cache", "m.metadata", "m.last_iteration", "m.last_metrics",
    ];

    private static readonly string Columns = string.Join(", ", ColumnList);

    /// <summary>The columns left out when a projection does not need them, with the stand-in that keeps the positions.</summary>
    private static readonly Dictionary<string, (string Field, string StandIn)> Optional = new()
    {
        ["m.comment"] = ("comment", "NULL::text"),
        ["m.tags"] = ("tags", "'{}'::text[]"),
        ["m.system_tags"] = ("system_tags", "'{}'::text[]"),
        ["m.design"] = ("design", "NULL::text"),
        ["m.labels"] = ("labels", "NULL::text"),
        ["m.ui_cache"] = ("ui_cache", "NULL::text"),
        ["m.metadata"] = ("metadata", "'{}'::text"),
        ["m.last_metrics"] = ("last_metrics", "NULL::text"),
    };

    private static string ColumnsFor(IReadOnlySet<string>? fields) =>
        fields is null
            ? Columns
            : string.Join(", ", ColumnList.Select(c => Optional.TryGetValue(c, out var optional) && !fields.Contains(optional.Field) ? optional.StandIn : c));

    private static readonly Dictionary<string, Column> FixedColumns = new()
    {
        ["id"] = new(FieldKind.Text, "m.id", NeverEmpty: true),
        ["name"] = new(FieldKind.Text, "m.name", NeverEmpty: true),
        ["comment"] = new(FieldKind.Text, "m.comment"),
        ["user"] = new(FieldKind.Text, "m.user_id"),
        ["company"] = new(FieldKind.Text, "m.company"),
        ["project"] = new(FieldKind.Text, "m.project"),
        ["task"] = new(FieldKind.Text, "m.task"),
        ["parent"] = new(FieldKind.Text, "m.parent"),
        ["framework"] = new(FieldKind.Text, "m.framework"),
        ["uri"] = new(FieldKind.Text, "m.uri"),
        ["tags"] = new(FieldKind.TextList, "m.tags"),
        ["system_tags"] = new(FieldKind.TextList, "m.system_tags"),
        ["created"] = new(FieldKind.DateTime, "m.created", NeverEmpty: true),
        ["last_update"] = new(FieldKind.DateTime, "m.last_update", NeverEmpty: true),
        ["last_change"] = new(FieldKind.DateTime, "m.last_change"),
        ["ready"] = new(FieldKind.Boolean, "m.ready", NeverEmpty: true),
        ["last_iteration"] = new(FieldKind.Number, "m.last_iteration", NeverEmpty: true),
    };

    internal static readonly Column Missing = new(FieldKind.Text, "NULL::text");

    /// <summary>
    /// The column of a query field: a fixed one, <c>metadata.&lt;escaped key&gt;.&lt;key|type|value&gt;</c>
    /// or <c>last_metrics.&lt;metric&gt;.&lt;variant&gt;.&lt;field&gt;</c>. Paths the entity cannot hold
    /// resolve to NULL, as a missing document field would.
    /// </summary>
    private static Column? ResolveColumn(string field)
    {
        if (FixedColumns.TryGetValue(field, out var column))
        {
            return column;
        }
        var parts = field.Split('.');
        if (parts[0] == "metadata")
        {
            // Stored keys are escaped (api.md §3.4); a path may name a key literally or pre-escaped.
            if (parts.Length != 3 || parts[2] is not ("key" or "type" or "value") || parts[1].Trim().Length == 0
                || PostgresText.Literal(MetadataKey.Escape(MetadataKey.Unescape(parts[1]))) is not { } key)
            {
                return Missing;
            }
            // Exact matches are containments of {key: {field: value}} in the GIN-indexed jsonb form
            // of the map (a string value, as the server writes them all).
            var (escaped, property) = (MetadataKey.Escape(MetadataKey.Unescape(parts[1])), parts[2]);
            return new Column(FieldKind.Text, $"(m.metadata::json -> {key} ->> '{property}')", Collation: NaturalCollation,
                Containment: new Containment("(m.metadata::jsonb)", value => new JsonObject { [escaped] = new JsonObject { [property] = value } }.ToJsonString()));
        }
        if (parts[0] == "last_metrics")
        {
            return parts.Length is < 2 or > 4 ? Missing : JsonNumber("m.last_metrics", parts[1..]);
        }
        return null;
    }

    /// <summary>A number inside a JSON text column (NULL where the path holds no number); keys a literal cannot carry match nothing.</summary>
    internal static Column JsonNumber(string column, IReadOnlyList<string> keys)
    {
        if (keys.Any(p => p.Length == 0) || keys.Select(PostgresText.Literal).ToList() is var literals && literals.Any(l => l is null))
        {
            return Missing;
        }
        var path = $"ARRAY[{string.Join(", ", literals)}]::text[]";
        return new Column(FieldKind.Number,
            $"(CASE WHEN json_typeof({column}::json #> {path}) = 'number' THEN ({column}::json #>> {path})::double precision END)");
    }

    /// <summary>A text inside a JSON text column (a non-text value in its JSON form); keys a literal cannot carry match nothing.</summary>
    internal static Column JsonText(string column, IReadOnlyList<string> keys)
    {
        if (keys.Any(p => p.Length == 0) || keys.Select(PostgresText.Literal).ToList() is var literals && literals.Any(l => l is null))
        {
            return Missing;
        }
        return new Column(FieldKind.Text, $"({column}::json #>> ARRAY[{string.Join(", ", literals)}]::text[])", Collation: NaturalCollation);
    }

    public async Task<Model?> GetByIdOrNullAsync(string company, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM models m WHERE m.id = @id AND m.company IN (@company, '')", connection);
        command.Add("id", id);
        command.Add("company", company);
        var found = await ReadModelsAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<QueryPage<Model>> QueryAsync(string company, EntityQuery query, IReadOnlySet<string>? fields = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // In natural order a cursor is the last row's seq: the next page starts right after it.
        var natural = query.Order.Count == 0;
        long? afterSeq = natural && long.TryParse(query.After, CultureInfo.InvariantCulture, out var seq) ? seq : null;
        var after = afterSeq is null ? "" : "m.seq > @after AND ";
        var translator = new PostgresQueryTranslator(ResolveColumn, "m.seq", command);
        command.CommandText =
            $"SELECT {ColumnsFor(fields)}, m.seq FROM models m WHERE {after}m.company IN (@company, '') AND {translator.Where(query.Conditions)} " +
            $"ORDER BY {translator.OrderBy(query.Order)} LIMIT @take OFFSET @skip";
        command.Add("company", company);
        command.Add("take", query.Take);
        command.Add("skip", query.Skip);
        command.AddLong("after", afterSeq);
        return await PostgresQueryBudget.RunAsync(connection, query, async () =>
        {
            long lastSeq = 0;
            var models = await ReadModelsAsync(command, cancellationToken, reader => lastSeq = reader.GetInt64(24)).ConfigureAwait(false);
            var cursor = natural && models.Count > 0 ? lastSeq.ToString(CultureInfo.InvariantCulture) : natural ? query.After : null;
            return new QueryPage<Model>(models, cursor);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
        PostgresNames.GetAsync(database, "models", company, ids, cancellationToken);

    public async Task<bool> IsUriInUseAsync(string uri, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM models WHERE uri = @uri)", connection);
        command.Add("uri", uri);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    public async Task<IReadOnlyList<string>> GetFrameworksAsync(string company, IReadOnlyCollection<string>? projects, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT framework FROM models WHERE framework > '' AND company IN (@company, '')" +
            (projects is null ? "" : " AND project = ANY(@projects)") + " ORDER BY framework", connection);
        command.Add("company", company);
        if (projects is not null)
        {
            command.AddTextArray("projects", projects);
        }
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> GetTagsAsync(string company, IReadOnlyCollection<string>? projects, bool systemTags, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var column = systemTags ? "system_tags" : "tags";
        await using var command = new NpgsqlCommand(
            $"SELECT DISTINCT t.tag FROM models m CROSS JOIN LATERAL unnest(m.{column}) AS t(tag) WHERE m.company IN (@company, '')" +
            (projects is null ? "" : " AND m.project = ANY(@projects)") + " ORDER BY t.tag", connection);
        command.Add("company", company);
        if (projects is not null)
        {
            command.AddTextArray("projects", projects);
        }
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<List<string>> ReadStringsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.IsDBNull(0))
            {
                values.Add(reader.GetString(0));
            }
        }
        return values;
    }

    public async Task InsertAsync(Model model, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            INSERT INTO models (id, company, company_origin, name, user_id, created, last_update, last_change, last_changed_by,
                task, parent, project, comment, tags, system_tags, framework, design, labels, uri, ready, ui_cache, metadata,
                last_iteration, last_metrics)
            VALUES (@id, @company, @company_origin, @name, @user, @created, @last_update, @last_change, @last_changed_by,
                @task, @parent, @project, @comment, @tags, @system_tags, @framework, @design, @labels, @uri, @ready, @ui_cache, @metadata,
                @last_iteration, @last_metrics)
            """, connection);
        command.Add("id", model.Id);
        command.Add("company", model.Company);
        command.AddText("company_origin", model.CompanyOrigin);
        command.Add("name", model.Name);
        command.AddText("user", model.User);
        command.Add("created", PostgresValues.ToDb(model.Created));
        command.Add("last_update", PostgresValues.ToDb(model.LastUpdate));
        command.AddLong("last_change", PostgresText.Time(model.LastChange));
        command.AddText("last_changed_by", model.LastChangedBy);
        command.AddText("task", model.Task);
        command.AddText("parent", model.Parent);
        command.AddText("project", model.Project);
        command.AddText("comment", model.Comment);
        command.AddTextArray("tags", PostgresText.TagArray(model.Tags));
        command.AddTextArray("system_tags", PostgresText.TagArray(model.SystemTags));
        command.AddText("framework", model.Framework);
        command.AddText("design", model.Design?.ToJsonString());
        command.AddText("labels", model.Labels is null ? null : LabelsToJson(model.Labels));
        command.Add("uri", model.Uri);
        command.Add("ready", model.Ready);
        command.AddText("ui_cache", model.UiCache?.ToJsonString());
        command.Add("metadata", MetadataToJson(model.Metadata));
        command.Add("last_iteration", model.LastIteration);
        command.AddText("last_metrics", model.LastMetrics?.ToJsonString());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> UpdateAsync(string company, string id, ModelChanges changes, DateTimeOffset now, string user, bool onlyIfNotReady = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var sets = new List<string> { "last_change = @now", "last_changed_by = @user" };
        void Set(string column, object? value)
        {
            sets.Add($"{column} = @{column}");
            command.Add(column, value);
        }
        if (changes.TouchesContent)
        {
            sets.Add("last_update = @now");
        }
        if (changes.Name is not null) Set("name", changes.Name);
        if (changes.Comment is not null) Set("comment", changes.Comment);
        if (changes.Tags is not null) { sets.Add("tags = @tags"); command.AddTextArray("tags", PostgresText.TagArray(changes.Tags)); }
        if (changes.SystemTags is not null) { sets.Add("system_tags = @system_tags"); command.AddTextArray("system_tags", PostgresText.TagArray(changes.SystemTags)); }
        if (changes.Framework is not null) Set("framework", changes.Framework);
        if (changes.Design is not null) Set("design", changes.Design.ToJsonString());
        if (changes.Labels is not null) Set("labels", LabelsToJson(changes.Labels));
        if (changes.Uri is not null) Set("uri", changes.Uri);
        if (changes.Ready is { } ready) Set("ready", ready);
        if (changes.Project is not null) Set("project", changes.Project);
        if (changes.Parent is not null) Set("parent", changes.Parent);
        if (changes.Task is not null) Set("task", changes.Task);
        if (changes.Created is { } created) Set("created", PostgresValues.ToDb(created));
        if (changes.Metadata is not null) Set("metadata", MetadataToJson(changes.Metadata));
        if (changes.UiCache is not null)
        {
            Set("ui_cache", changes.UiCache.ToJsonString());
        }
        else if (changes.Uri is not null)
        {
            Set("ui_cache", "{}"); // A new uri invalidates what the UI cached about the old one.
        }
        command.CommandText =
            $"UPDATE models SET {string.Join(", ", sets)} WHERE id = @id AND company = @company{(onlyIfNotReady ? " AND NOT ready" : "")}";
        command.Add("id", id);
        command.Add("company", company);
        command.Add("now", PostgresValues.ToDb(now));
        command.Add("user", user);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<ModelPublishOutcome> PublishAsync(string company, string id, string? taskId, TaskStatusChange? taskChange, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var load = new NpgsqlCommand("SELECT ready FROM models WHERE id = @id AND company = @company FOR UPDATE", connection, transaction))
        {
            load.Add("id", id);
            load.Add("company", company);
            switch (await load.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))
            {
                case null:
                    return ModelPublishOutcome.NotFound;
                case true:
                    return ModelPublishOutcome.AlreadyReady;
            }
        }
        if (taskId is not null && taskChange is not null
            && !await PostgresTaskStore.ChangeStatusAsync(connection, transaction, company, taskId, taskChange, cancellationToken).ConfigureAwait(false))
        {
            return ModelPublishOutcome.TaskStatusChanged; // Disposing the transaction rolls it back.
        }
        await using var publish = new NpgsqlCommand(
            "UPDATE models SET ready = TRUE, last_update = @now, last_change = @now, last_changed_by = @user WHERE id = @id", connection, transaction);
        publish.Add("now", PostgresValues.ToDb(now));
        publish.Add("user", user);
        publish.Add("id", id);
        await publish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ModelPublishOutcome.Published;
    }

    public async Task<bool> SetMetadataAsync(string company, string id, IReadOnlyList<MetadataItem> items, bool replace, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        return await ChangeMetadataAsync(company, id, now, user, metadata =>
        {
            if (replace)
            {
                metadata.Clear();
            }
            foreach (var item in items)
            {
                metadata[MetadataKey.Escape(item.Key!)] = ItemToJson(item);
            }
            return true;
        }, cancellationToken).ConfigureAwait(false) is not null;
    }

    public Task<bool?> DeleteMetadataAsync(string company, string id, IReadOnlyList<string> keys, DateTimeOffset now, string user, CancellationToken cancellationToken = default) =>
        ChangeMetadataAsync(company, id, now, user, metadata =>
        {
            var removed = false;
            foreach (var key in keys)
            {
                removed |= key.Trim().Length > 0 && metadata.Remove(MetadataKey.Escape(key));
            }
            return removed;
        }, cancellationToken);

    /// <summary>Read-modify-write of the metadata map under the row's lock; null when the company owns no such model.</summary>
    private async Task<bool?> ChangeMetadataAsync(string company, string id, DateTimeOffset now, string user, Func<JsonObject, bool> change, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        JsonObject metadata;
        await using (var load = new NpgsqlCommand("SELECT metadata FROM models WHERE id = @id AND company = @company FOR UPDATE", connection, transaction))
        {
            load.Add("id", id);
            load.Add("company", company);
            if (await load.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string json)
            {
                return null;
            }
            metadata = JsonNode.Parse(json) as JsonObject ?? [];
        }
        if (!change(metadata))
        {
            return false;
        }
        await using var save = new NpgsqlCommand(
            "UPDATE models SET metadata = @metadata, last_update = @now, last_change = @now, last_changed_by = @user WHERE id = @id", connection, transaction);
        save.Add("metadata", metadata.ToJsonString());
        save.Add("now", PostgresValues.ToDb(now));
        save.Add("user", user);
        save.Add("id", id);
        await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<int> UpdateTagsAsync(string company, IReadOnlyCollection<string> ids, IReadOnlyList<string> add, IReadOnlyList<string> remove, bool systemTags, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        var column = systemTags ? "system_tags" : "tags";
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var current = new List<(string Id, string[] Tags)>();
        // Locked in id order, so two batches over the same models cannot deadlock.
        await using (var load = new NpgsqlCommand(
            $"SELECT id, {column} FROM models WHERE company = @company AND id = ANY(@ids) ORDER BY id FOR UPDATE", connection, transaction))
        {
            load.Add("company", company);
            load.AddTextArray("ids", ids.Distinct());
            await using var reader = await load.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                current.Add((reader.GetString(0), reader.GetFieldValue<string[]>(1)));
            }
        }
        foreach (var (id, tags) in current)
        {
            // Added first, then removed: a tag in both lists ends up removed.
            var updated = tags.Union(add, StringComparer.Ordinal).Except(remove, StringComparer.Ordinal).ToList();
            if (updated.Count == tags.Length && updated.All(tags.Contains))
            {
                continue;
            }
            await using var save = new NpgsqlCommand(
                $"UPDATE models SET {column} = @tags, last_update = @now, last_change = @now, last_changed_by = @user WHERE id = @id", connection, transaction);
            save.AddTextArray("tags", PostgresText.TagArray(updated));
            save.Add("now", PostgresValues.ToDb(now));
            save.Add("user", user);
            save.Add("id", id);
            await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return current.Count;
    }

    public async Task<int> MoveAsync(string company, IReadOnlyCollection<string> ids, string? project, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "UPDATE models SET project = @project, last_change = @now, last_changed_by = @user WHERE company = @company AND id = ANY(@ids)", connection);
        command.AddText("project", project);
        command.Add("now", PostgresValues.ToDb(now));
        command.Add("user", user);
        command.Add("company", company);
        command.AddTextArray("ids", ids.Distinct());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> SetPublicAsync(string company, IReadOnlyCollection<string> ids, bool makePublic, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        // Public: owned by the company. Private again: public, and originally the company's.
        var owned = makePublic ? "company = @company" : "company = '' AND company_origin = @company";
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using (var load = new NpgsqlCommand($"SELECT id FROM models WHERE {owned} AND id = ANY(@ids) ORDER BY id FOR UPDATE", connection, transaction))
        {
            load.Add("company", company);
            load.AddTextArray("ids", distinct);
            await using var reader = await load.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(reader.GetString(0));
            }
        }
        var missing = distinct.Where(id => !found.Contains(id)).ToList();
        if (missing.Count > 0)
        {
            return missing;
        }
        await using var update = new NpgsqlCommand(makePublic
            ? $"UPDATE models SET company = '', company_origin = @company, last_change = @now WHERE {owned} AND id = ANY(@ids)"
            : $"UPDATE models SET company = @company, company_origin = NULL, last_change = @now WHERE {owned} AND id = ANY(@ids)", connection, transaction);
        update.Add("company", company);
        update.Add("now", PostgresValues.ToDb(now));
        update.AddTextArray("ids", distinct);
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [];
    }

    public async Task<ModelDeleteResult> DeleteAsync(string company, string id, bool force, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        async Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            foreach (var (name, value) in parameters)
            {
                command.Add(name, value);
            }
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters) => await ScalarAsync(sql, parameters).ConfigureAwait(false);

        string uri;
        string? task;
        await using (var load = new NpgsqlCommand("SELECT uri, task FROM models WHERE id = @id AND company = @company FOR UPDATE", connection, transaction))
        {
            load.Add("id", id);
            load.Add("company", company);
            await using var reader = await load.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new ModelDeleteResult(ModelDeleteOutcome.NotFound);
            }
            uri = reader.GetString(0);
            task = reader.GetStringOrNull(1);
        }
        var deletedReference = Model.DeletedPrefix + id;

        // Tasks of any company that use the model as an input.
        var usingTasks = Convert.ToInt32(await ScalarAsync(
            "SELECT COUNT(DISTINCT task_id) FROM task_models WHERE model = @id AND kind = 'input'", ("id", id)).ConfigureAwait(false),
            CultureInfo.InvariantCulture);
        if (usingTasks > 0)
        {
            if (!force)
            {
                return new ModelDeleteResult(ModelDeleteOutcome.InUse, TasksUsing: usingTasks);
            }
            await ExecuteAsync("UPDATE task_models SET model = @deleted WHERE model = @id AND kind = 'input'",
                ("deleted", deletedReference), ("id", id)).ConfigureAwait(false);
        }

        if (task is not null && !task.StartsWith(Model.DeletedPrefix, StringComparison.Ordinal))
        {
            string? status = null, output = null;
            await using (var loadTask = new NpgsqlCommand("SELECT status, output FROM tasks WHERE id = @task FOR UPDATE", connection, transaction))
            {
                loadTask.Add("task", task);
                await using var reader = await loadTask.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    (status, output) = (reader.GetString(0), reader.GetStringOrNull(1));
                }
            }
            if (status == TaskStatuses.Published)
            {
                if (!force)
                {
                    return new ModelDeleteResult(ModelDeleteOutcome.CreatingTaskPublished);
                }
                // A published task keeps its record: the reference is marked, and the task says why.
                // The error is recorded only when the task's output list did reference the model.
                if (await ScalarAsync("SELECT 1 FROM task_models WHERE task_id = @task AND kind = 'output' AND model = @id",
                        ("task", task), ("id", id)).ConfigureAwait(false) is not null)
                {
                    var document = (output is null ? null : JsonNode.Parse(output) as JsonObject) ?? [];
                    document["error"] = $"model deleted on {IsoFormat(now)}";
                    await ExecuteAsync("UPDATE tasks SET output = @output WHERE id = @task", ("output", document.ToJsonString()), ("task", task)).ConfigureAwait(false);
                }
                await ExecuteAsync("UPDATE task_models SET model = @deleted WHERE task_id = @task AND kind = 'output' AND model = @id",
                    ("deleted", deletedReference), ("task", task), ("id", id)).ConfigureAwait(false);
            }
            else if (status is not null)
            {
                await ExecuteAsync("DELETE FROM task_models WHERE task_id = @task AND kind = 'output' AND model = @id",
                    ("task", task), ("id", id)).ConfigureAwait(false);
            }
        }

        await ExecuteAsync("DELETE FROM models WHERE id = @id", ("id", id)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ModelDeleteResult(ModelDeleteOutcome.Deleted, uri);
    }

    /// <summary>Python's <c>datetime.isoformat()</c> of a naive UTC time, as ClearML writes it into messages.</summary>
    private static string IsoFormat(DateTimeOffset time) =>
        time.UtcDateTime.ToString(time.UtcDateTime.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-ddTHH:mm:ss" : "yyyy-MM-ddTHH:mm:ss.ffffff",
            CultureInfo.InvariantCulture);

    private static async Task<List<Model>> ReadModelsAsync(NpgsqlCommand command, CancellationToken cancellationToken, Action<NpgsqlDataReader>? onRow = null)
    {
        var models = new List<Model>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            models.Add(new Model
            {
                Id = reader.GetString(0),
                Company = reader.GetString(1),
                CompanyOrigin = reader.GetStringOrNull(2),
                Name = reader.GetString(3),
                User = reader.GetStringOrNull(4),
                Created = PostgresValues.ToDateTime(reader.GetInt64(5)),
                LastUpdate = PostgresValues.ToDateTime(reader.GetInt64(6)),
                LastChange = reader.ReadTime(7),
                LastChangedBy = reader.GetStringOrNull(8),
                Task = reader.GetStringOrNull(9),
                Parent = reader.GetStringOrNull(10),
                Project = reader.GetStringOrNull(11),
                Comment = reader.GetStringOrNull(12),
                Tags = reader.GetFieldValue<string[]>(13),
                SystemTags = reader.GetFieldValue<string[]>(14),
                Framework = reader.GetStringOrNull(15),
                Design = reader.ReadObject(16),
                Labels = reader.IsDBNull(17) ? null : JsonSerializer.Deserialize<Dictionary<string, int?>>(reader.GetString(17)),
                Uri = reader.GetString(18),
                Ready = reader.GetBoolean(19),
                UiCache = reader.ReadObject(20),
                Metadata = MetadataFromJson(reader.GetString(21)),
                LastIteration = reader.GetInt64(22),
                LastMetrics = reader.ReadObject(23),
            });
            onRow?.Invoke(reader);
        }
        return models;
    }

    private static string LabelsToJson(IReadOnlyDictionary<string, int?> labels) => JsonSerializer.Serialize(labels);

    private static JsonObject ItemToJson(MetadataItem item) => new()
    {
        ["key"] = item.Key,
        ["type"] = item.Type,
        ["value"] = item.Value,
    };

    private static string MetadataToJson(IReadOnlyDictionary<string, MetadataItem> metadata)
    {
        var json = new JsonObject();
        foreach (var (key, item) in metadata)
        {
            json[MetadataKey.Escape(key)] = ItemToJson(item);
        }
        return json.ToJsonString();
    }

    private static Dictionary<string, MetadataItem> MetadataFromJson(string json)
    {
        var metadata = new Dictionary<string, MetadataItem>(StringComparer.Ordinal);
        if (json.Length <= 2)
        {
            return metadata; // "{}"
        }
        using var document = JsonDocument.Parse(json);
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            metadata[MetadataKey.Unescape(entry.Name)] = new MetadataItem(Text(entry.Value, "key"), Text(entry.Value, "type"), Text(entry.Value, "value"));
        }
        return metadata;
    }

    private static string? Text(JsonElement item, string property) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary>Names of many entities in one query, for the joins of the <c>_ex</c> endpoints.</summary>
internal static class PostgresNames
{
    public static async Task<IReadOnlyDictionary<string, string>> GetAsync(
        PostgresDatabase database, string table, string? company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return names;
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var scope = company is null ? "" : " AND company IN (@company, '')";
        await using var command = new NpgsqlCommand($"SELECT id, name FROM {table} WHERE id = ANY(@ids){scope}", connection);
        command.AddTextArray("ids", ids.Distinct());
        command.AddText("company", company);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }
        return names;
    }
}
