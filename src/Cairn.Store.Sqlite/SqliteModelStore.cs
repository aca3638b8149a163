using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite;

internal sealed class SqliteModelStore(SqliteDatabase database) : IModelStore
{
    private static readonly string[] ColumnList =
    [
        "m.id", "m.company", "m.company_origin", "m.name", "m.user_id", "m.created", "m.last_update", "m.last_change", "m.last_changed_by",
        "m.task", "m.parent", "m.project", "m.comment", "m.tags", "m.system_tags", "m.framework", "m.design", "m.labels", "m.uri", "m.ready",
        "m.ui_cache", "m.metadata", "m.last_iteration", "m.last_metrics",
    ];

    private static readonly string Columns = string.Join(", ", ColumnList);

    /// <summary>
    /// The columns worth leaving out when a projection does not need them (JSON and free text),
    /// with the stand-in that keeps the column positions: reading 500 models' metadata and design
    /// costs more than the query that finds them.
    /// </summary>
    private static readonly Dictionary<string, (string Field, string StandIn)> Optional = new()
    {
        ["m.comment"] = ("comment", "NULL"),
        ["m.tags"] = ("tags", "'[]'"),
        ["m.system_tags"] = ("system_tags", "'[]'"),
        ["m.design"] = ("design", "NULL"),
        ["m.labels"] = ("labels", "NULL"),
        ["m.ui_cache"] = ("ui_cache", "NULL"),
        ["m.metadata"] = ("metadata", "'{}'"),
        ["m.last_metrics"] = ("last_metrics", "NULL"),
    };

    private static string ColumnsFor(IReadOnlySet<string>? fields) =>
        fields is null
            ? Columns
            : string.Join(", ", ColumnList.Select(c => Optional.TryGetValue(c, out var optional) && !fields.Contains(optional.Field) ? optional.StandIn : c));

    private static readonly Dictionary<string, Column> FixedColumns = new()
    {
        ["id"] = new(FieldKind.Text, "m.id", NeverEmpty: true, Indexed: true),
        ["name"] = new(FieldKind.Text, "m.name", NeverEmpty: true, Indexed: true),
        ["comment"] = new(FieldKind.Text, "m.comment"),
        ["user"] = new(FieldKind.Text, "m.user_id", Indexed: true),
        ["company"] = new(FieldKind.Text, "m.company"),
        ["project"] = new(FieldKind.Text, "m.project", Indexed: true),
        ["task"] = new(FieldKind.Text, "m.task", Indexed: true),
        ["parent"] = new(FieldKind.Text, "m.parent", Indexed: true),
        ["framework"] = new(FieldKind.Text, "m.framework", Indexed: true),
        ["uri"] = new(FieldKind.Text, "m.uri", Indexed: true),
        ["tags"] = new(FieldKind.TextList, "m.tags", new ValueIndex("m.seq", "SELECT model_seq FROM model_tags WHERE field = 0 AND tag", "model_seq")),
        ["system_tags"] = new(FieldKind.TextList, "m.system_tags", new ValueIndex("m.seq", "SELECT model_seq FROM model_tags WHERE field = 1 AND tag", "model_seq")),
        ["created"] = new(FieldKind.DateTime, "m.created", NeverEmpty: true, Indexed: true),
        ["last_update"] = new(FieldKind.DateTime, "m.last_update", NeverEmpty: true, Indexed: true),
        ["last_change"] = new(FieldKind.DateTime, "m.last_change"),
        ["ready"] = new(FieldKind.Boolean, "m.ready", NeverEmpty: true),
        ["last_iteration"] = new(FieldKind.Number, "m.last_iteration", NeverEmpty: true),
    };

    private static readonly Column Missing = new(FieldKind.Text, "NULL");

    /// <summary>
    /// The column of a query field: a fixed one, <c>metadata.&lt;escaped key&gt;.&lt;key|type|value&gt;</c>
    /// (through the model_metadata index table) or <c>last_metrics.&lt;metric&gt;.&lt;variant&gt;.&lt;field&gt;</c>.
    /// Paths the entity cannot hold resolve to NULL, as a missing document field would.
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
                || SqlValues.Literal(MetadataKey.Escape(MetadataKey.Unescape(parts[1]))) is not { } key)
            {
                return Missing;
            }
            var read = parts[2] == "key" ? "item_key" : parts[2];
            var sql = $"(SELECT {read} FROM model_metadata WHERE model_seq = m.seq AND key = {key})";
            var index = new ValueIndex("m.seq", $"SELECT model_seq FROM model_metadata WHERE key = {key} AND {read}", "model_seq");
            return new Column(FieldKind.Text, sql, index, Collation: SqliteDatabase.NaturalCollation);
        }
        if (parts[0] == "last_metrics")
        {
            // Metric and variant keys are md5 hex digests; anything a JSON path cannot quote safely matches nothing.
            if (parts.Length is < 2 or > 4 || parts.Skip(1).Any(p => p.Length == 0 || p.Any(c => c is '"' or '\'' or '\\' or '\0')))
            {
                return Missing;
            }
            var path = "$" + string.Concat(parts.Skip(1).Select(p => $".\"{p}\""));
            return new Column(FieldKind.Number, $"json_extract(m.last_metrics, '{path}')", Collation: SqliteDatabase.NaturalCollation);
        }
        return null;
    }

    public async Task<Model?> GetByIdOrNullAsync(string company, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM models m WHERE m.id = $id AND m.company IN ($company, '')";
        command.Add("$id", id);
        command.Add("$company", company);
        var found = await ReadModelsAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<QueryPage<Model>> QueryAsync(string company, EntityQuery query, IReadOnlySet<string>? fields = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // In natural order a cursor is the last row's seq: the next page starts right after it.
        var natural = query.Order.Count == 0;
        long? afterSeq = natural && long.TryParse(query.After, System.Globalization.CultureInfo.InvariantCulture, out var seq) ? seq : null;
        var after = afterSeq is null ? "" : "m.seq > $after AND ";
        SqlQueryTranslator Translate(bool walkOrder)
        {
            command.Parameters.Clear();
            var translator = new SqlQueryTranslator(ResolveColumn, "m.seq", command, walkOrder);
            command.CommandText =
                $"SELECT {ColumnsFor(fields)}, m.seq FROM models m WHERE {after}m.company IN ($company, '') AND {translator.Where(query.Conditions)} " +
                $"ORDER BY {translator.OrderBy(query.Order)} LIMIT $take OFFSET $skip";
            command.Add("$company", company);
            command.Add("$take", query.Take);
            command.Add("$skip", query.Skip);
            command.Add("$after", afterSeq);
            return translator;
        }
        using var budget = await database.StartBudgetAsync(connection, query, cancellationToken).ConfigureAwait(false);
        try
        {
            var translator = Translate(walkOrder: false);
            if (!natural && translator.OrderHasIndex(query.Order) && translator.IndexedTerms.Count > 0
                && await AllMatchManyAsync(connection, translator.IndexedTerms, (long)query.Skip + query.Take, cancellationToken).ConfigureAwait(false))
            {
                Translate(walkOrder: true);
            }
            long lastSeq = 0;
            var models = await ReadModelsAsync(command, cancellationToken, reader => lastSeq = reader.GetInt64(24)).ConfigureAwait(false);
            var cursor = natural && models.Count > 0 ? lastSeq.ToString(System.Globalization.CultureInfo.InvariantCulture) : natural ? query.After : null;
            return new QueryPage<Model>(models, cursor);
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

    /// <summary>
    /// Whether every indexed inclusion condition of a sorted page matches so many models that reading
    /// the models in the order's index (skipping those that fail) beats reading every match and
    /// sorting them. A walk reads about <c>rows × models / matches</c> index entries and stops at
    /// the page; the other plan reads and sorts every match, each about 20 times the cost of a
    /// skipped entry (measured at 100,000 models: a tag on 8% of them, 3 ms against 113 ms for 30
    /// rows; a tag on none, 24 ms against nothing). So the walk wins from
    /// <c>sqrt(rows × models / 20)</c> matches on (390 for 30 of 100,000 models), which each
    /// condition's count, stopped at that number, decides in well under a millisecond.
    /// </summary>
    private static async Task<bool> AllMatchManyAsync(SqliteConnection connection, IReadOnlyList<IndexedTerm> terms, long rows, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM models"; // the number of models, give or take deletions
        var models = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        var many = (long)Math.Ceiling(Math.Sqrt(rows * (double)models / 20));
        foreach (var term in terms)
        {
            command.Parameters.Clear();
            var matches = term.Column.Index is { } index ? index.Select : $"SELECT 1 FROM models m WHERE {term.Column.Sql}";
            command.CommandText = $"SELECT COUNT(*) FROM ({matches} IN {command.AddList("$values", term.Values)} LIMIT $many)";
            command.Add("$many", many);
            var count = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            if (count < many)
            {
                return false;
            }
        }
        return true;
    }

    public Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
        NameLookup.GetAsync(database, "models", company, ids, cancellationToken);

    public async Task<bool> IsUriInUseAsync(string uri, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM models WHERE uri = $uri)";
        command.Add("$uri", uri);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    public async Task<IReadOnlyList<string>> GetFrameworksAsync(string company, IReadOnlyCollection<string>? projects, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // A skip scan, written out so that it does not depend on the planner's statistics: each
        // step seeks the next framework in ix_models_framework, or in ix_models_project (project,
        // framework) per project, so the cost grows with the number of frameworks, not of models
        // (a DISTINCT over the models read every one of them: 140–470 ms at 100,000 models).
        command.CommandText = projects is null
            ? """
                WITH RECURSIVE f(framework) AS (
                    SELECT (SELECT MIN(framework) FROM models WHERE framework > '')
                    UNION ALL
                    SELECT (SELECT MIN(framework) FROM models WHERE framework > f.framework) FROM f WHERE f.framework IS NOT NULL)
                SELECT framework FROM f
                WHERE framework IS NOT NULL
                  AND EXISTS (SELECT 1 FROM models WHERE framework = f.framework AND company IN ($company, ''))
                ORDER BY framework
                """
            : """
                WITH RECURSIVE f(project, framework) AS (
                    SELECT p.value, (SELECT MIN(framework) FROM models WHERE project = p.value AND framework > '')
                    FROM (SELECT DISTINCT value FROM json_each($projects)) p
                    UNION ALL
                    SELECT f.project, (SELECT MIN(framework) FROM models WHERE project = f.project AND framework > f.framework)
                    FROM f WHERE f.framework IS NOT NULL)
                SELECT DISTINCT framework FROM f
                WHERE framework IS NOT NULL
                  AND EXISTS (SELECT 1 FROM models WHERE project = f.project AND framework = f.framework AND company IN ($company, ''))
                ORDER BY framework
                """;
        command.Add("$company", company);
        if (projects is not null)
        {
            command.Add("$projects", SqlValues.ToJsonArray(projects));
        }
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> GetTagsAsync(string company, IReadOnlyCollection<string>? projects, bool systemTags, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // Company-wide: a skip scan over the model_tags key (field, tag, model_seq), one seek per
        // distinct tag, each checked for one model of the company. For projects: from the
        // projects' models to their tags (CROSS JOIN keeps that order), so the cost grows with the
        // projects' models. A DISTINCT over the join read every tag row of every model: over a
        // second at 100,000 models, with or without a project.
        command.CommandText = projects is null
            ? """
                WITH RECURSIVE t(tag) AS (
                    SELECT (SELECT MIN(tag) FROM model_tags WHERE field = $field)
                    UNION ALL
                    SELECT (SELECT MIN(tag) FROM model_tags WHERE field = $field AND tag > t.tag) FROM t WHERE t.tag IS NOT NULL)
                SELECT tag FROM t
                WHERE tag IS NOT NULL
                  AND EXISTS (SELECT 1 FROM model_tags x JOIN models m ON m.seq = x.model_seq
                              WHERE x.field = $field AND x.tag = t.tag AND m.company IN ($company, ''))
                ORDER BY tag
                """
            : $"""
                SELECT DISTINCT t.tag FROM models m CROSS JOIN model_tags t
                WHERE m.project IN {command.AddList("$projects", projects)} AND m.company IN ($company, '')
                  AND t.model_seq = m.seq AND t.field = $field
                ORDER BY t.tag
                """;
        command.Add("$company", company);
        command.Add("$field", systemTags ? 1 : 0);
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<string>> ReadStringsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    public async Task InsertAsync(Model model, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO models (id, company, company_origin, name, user_id, created, last_update, last_change, last_changed_by,
                task, parent, project, comment, tags, system_tags, framework, design, labels, uri, ready, ui_cache, metadata,
                last_iteration, last_metrics)
            VALUES ($id, $company, $company_origin, $name, $user, $created, $last_update, $last_change, $last_changed_by,
                $task, $parent, $project, $comment, $tags, $system_tags, $framework, $design, $labels, $uri, $ready, $ui_cache, $metadata,
                $last_iteration, $last_metrics)
            """;
        command.Add("$id", model.Id);
        command.Add("$company", model.Company);
        command.Add("$company_origin", model.CompanyOrigin);
        command.Add("$name", model.Name);
        command.Add("$user", model.User);
        command.Add("$created", SqlValues.ToDb(model.Created));
        command.Add("$last_update", SqlValues.ToDb(model.LastUpdate));
        command.Add("$last_change", model.LastChange is { } change ? SqlValues.ToDb(change) : null);
        command.Add("$last_changed_by", model.LastChangedBy);
        command.Add("$task", model.Task);
        command.Add("$parent", model.Parent);
        command.Add("$project", model.Project);
        command.Add("$comment", model.Comment);
        command.Add("$tags", SqlValues.ToTagArray(model.Tags));
        command.Add("$system_tags", SqlValues.ToTagArray(model.SystemTags));
        command.Add("$framework", model.Framework);
        command.Add("$design", model.Design?.ToJsonString());
        command.Add("$labels", model.Labels is null ? null : LabelsToJson(model.Labels));
        command.Add("$uri", model.Uri);
        command.Add("$ready", model.Ready ? 1 : 0);
        command.Add("$ui_cache", model.UiCache?.ToJsonString());
        command.Add("$metadata", MetadataToJson(model.Metadata));
        command.Add("$last_iteration", model.LastIteration);
        command.Add("$last_metrics", model.LastMetrics?.ToJsonString());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> UpdateAsync(string company, string id, ModelChanges changes, DateTimeOffset now, string user, bool onlyIfNotReady = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var sets = new List<string> { "last_change = $now", "last_changed_by = $user" };
        void Set(string column, object? value)
        {
            sets.Add($"{column} = ${column}");
            command.Add("$" + column, value);
        }
        if (changes.TouchesContent)
        {
            sets.Add("last_update = $now");
        }
        if (changes.Name is not null) Set("name", changes.Name);
        if (changes.Comment is not null) Set("comment", changes.Comment);
        if (changes.Tags is not null) Set("tags", SqlValues.ToTagArray(changes.Tags));
        if (changes.SystemTags is not null) Set("system_tags", SqlValues.ToTagArray(changes.SystemTags));
        if (changes.Framework is not null) Set("framework", changes.Framework);
        if (changes.Design is not null) Set("design", changes.Design.ToJsonString());
        if (changes.Labels is not null) Set("labels", LabelsToJson(changes.Labels));
        if (changes.Uri is not null) Set("uri", changes.Uri);
        if (changes.Ready is { } ready) Set("ready", ready ? 1 : 0);
        if (changes.Project is not null) Set("project", changes.Project);
        if (changes.Parent is not null) Set("parent", changes.Parent);
        if (changes.Task is not null) Set("task", changes.Task);
        if (changes.Created is { } created) Set("created", SqlValues.ToDb(created));
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
            $"UPDATE models SET {string.Join(", ", sets)} WHERE id = $id AND company = $company{(onlyIfNotReady ? " AND ready = 0" : "")}";
        command.Add("$id", id);
        command.Add("$company", company);
        command.Add("$now", SqlValues.ToDb(now));
        command.Add("$user", user);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<ModelPublishOutcome> PublishAsync(string company, string id, string? taskId, TaskStatusChange? taskChange, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var load = connection.CreateCommand())
        {
            load.Transaction = transaction;
            load.CommandText = "SELECT ready FROM models WHERE id = $id AND company = $company";
            load.Add("$id", id);
            load.Add("$company", company);
            switch (await load.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))
            {
                case null:
                    return ModelPublishOutcome.NotFound;
                case long ready when ready != 0:
                    return ModelPublishOutcome.AlreadyReady;
            }
        }
        if (taskId is not null && taskChange is not null
            && !await SqliteTaskStore.ChangeStatusAsync(connection, transaction, company, taskId, taskChange, cancellationToken).ConfigureAwait(false))
        {
            return ModelPublishOutcome.TaskStatusChanged; // Disposing the transaction rolls it back.
        }
        await using var publish = connection.CreateCommand();
        publish.Transaction = transaction;
        publish.CommandText = "UPDATE models SET ready = 1, last_update = $now, last_change = $now, last_changed_by = $user WHERE id = $id";
        publish.Add("$now", SqlValues.ToDb(now));
        publish.Add("$user", user);
        publish.Add("$id", id);
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

    /// <summary>Read-modify-write of the metadata map in one write transaction; null when the company owns no such model.</summary>
    private async Task<bool?> ChangeMetadataAsync(string company, string id, DateTimeOffset now, string user, Func<JsonObject, bool> change, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        JsonObject metadata;
        await using (var load = connection.CreateCommand())
        {
            load.Transaction = transaction;
            load.CommandText = "SELECT metadata FROM models WHERE id = $id AND company = $company";
            load.Add("$id", id);
            load.Add("$company", company);
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
        await using var save = connection.CreateCommand();
        save.Transaction = transaction;
        save.CommandText = "UPDATE models SET metadata = $metadata, last_update = $now, last_change = $now, last_changed_by = $user WHERE id = $id";
        save.Add("$metadata", metadata.ToJsonString());
        save.Add("$now", SqlValues.ToDb(now));
        save.Add("$user", user);
        save.Add("$id", id);
        await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<int> UpdateTagsAsync(string company, IReadOnlyCollection<string> ids, IReadOnlyList<string> add, IReadOnlyList<string> remove, bool systemTags, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        var column = systemTags ? "system_tags" : "tags";
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var current = new List<(string Id, IReadOnlyList<string> Tags)>();
        await using (var load = connection.CreateCommand())
        {
            load.Transaction = transaction;
            load.CommandText = $"SELECT id, {column} FROM models WHERE company = $company AND id IN {load.AddList("$ids", ids)}";
            load.Add("$company", company);
            await using var reader = await load.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                current.Add((reader.GetString(0), SqlValues.FromJsonArray(reader.GetString(1))));
            }
        }
        foreach (var (id, tags) in current)
        {
            // Added first, then removed: a tag in both lists ends up removed.
            var updated = tags.Union(add, StringComparer.Ordinal).Except(remove, StringComparer.Ordinal).ToList();
            if (updated.Count == tags.Count && updated.All(tags.Contains))
            {
                continue;
            }
            await using var save = connection.CreateCommand();
            save.Transaction = transaction;
            save.CommandText = $"UPDATE models SET {column} = $tags, last_update = $now, last_change = $now, last_changed_by = $user WHERE id = $id";
            save.Add("$tags", SqlValues.ToTagArray(updated));
            save.Add("$now", SqlValues.ToDb(now));
            save.Add("$user", user);
            save.Add("$id", id);
            await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return current.Count;
    }

    public async Task<int> MoveAsync(string company, IReadOnlyCollection<string> ids, string? project, DateTimeOffset now, string user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText =
            $"UPDATE models SET project = $project, last_change = $now, last_changed_by = $user WHERE company = $company AND id IN {command.AddList("$ids", ids)}";
        command.Add("$project", project);
        command.Add("$now", SqlValues.ToDb(now));
        command.Add("$user", user);
        command.Add("$company", company);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> SetPublicAsync(string company, IReadOnlyCollection<string> ids, bool makePublic, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        // Public: owned by the company. Private again: public, and originally the company's.
        var owned = makePublic ? "company = $company" : "company = '' AND company_origin = $company";
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using (var load = connection.CreateCommand())
        {
            load.Transaction = transaction;
            load.CommandText = $"SELECT id FROM models WHERE {owned} AND id IN {load.AddList("$ids", distinct)}";
            load.Add("$company", company);
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
        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = makePublic
            ? $"UPDATE models SET company = '', company_origin = $company, last_change = $now WHERE {owned} AND id IN {update.AddList("$ids", distinct)}"
            : $"UPDATE models SET company = $company, company_origin = NULL, last_change = $now WHERE {owned} AND id IN {update.AddList("$ids", distinct)}";
        update.Add("$company", company);
        update.Add("$now", SqlValues.ToDb(now));
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [];
    }

    public async Task<ModelDeleteResult> DeleteAsync(string company, string id, bool force, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        async Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Add(name, value);
            }
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters) => await ScalarAsync(sql, parameters).ConfigureAwait(false);

        string uri;
        string? task;
        await using (var load = connection.CreateCommand())
        {
            load.Transaction = transaction;
            load.CommandText = "SELECT uri, task FROM models WHERE id = $id AND company = $company";
            load.Add("$id", id);
            load.Add("$company", company);
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
            "SELECT COUNT(DISTINCT task_id) FROM task_models WHERE model = $id AND kind = 'input'", ("$id", id)).ConfigureAwait(false),
            System.Globalization.CultureInfo.InvariantCulture);
        if (usingTasks > 0)
        {
            if (!force)
            {
                return new ModelDeleteResult(ModelDeleteOutcome.InUse, TasksUsing: usingTasks);
            }
            await ExecuteAsync("UPDATE task_models SET model = $deleted WHERE model = $id AND kind = 'input'",
                ("$deleted", deletedReference), ("$id", id)).ConfigureAwait(false);
        }

        if (task is not null && !task.StartsWith(Model.DeletedPrefix, StringComparison.Ordinal)
            && await ScalarAsync("SELECT status FROM tasks WHERE id = $task", ("$task", task)).ConfigureAwait(false) is string status)
        {
            if (status == Core.Tasks.TaskStatuses.Published)
            {
                if (!force)
                {
                    return new ModelDeleteResult(ModelDeleteOutcome.CreatingTaskPublished);
                }
                // A published task keeps its record: the reference is marked, and the task says why.
                // The error is recorded only when the task's output list did reference the model.
                await ExecuteAsync("""
                    UPDATE tasks SET output = json_set(COALESCE(output, '{}'), '$.error', $error)
                    WHERE id = $task AND EXISTS (SELECT 1 FROM task_models WHERE task_id = $task AND kind = 'output' AND model = $id)
                    """, ("$error", $"model deleted on {IsoFormat(now)}"), ("$task", task), ("$id", id)).ConfigureAwait(false);
                await ExecuteAsync("UPDATE task_models SET model = $deleted WHERE task_id = $task AND kind = 'output' AND model = $id",
                    ("$deleted", deletedReference), ("$task", task), ("$id", id)).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync("DELETE FROM task_models WHERE task_id = $task AND kind = 'output' AND model = $id",
                    ("$task", task), ("$id", id)).ConfigureAwait(false);
            }
        }

        await ExecuteAsync("DELETE FROM models WHERE id = $id", ("$id", id)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ModelDeleteResult(ModelDeleteOutcome.Deleted, uri);
    }

    /// <summary>Python's <c>datetime.isoformat()</c> of a naive UTC time, as ClearML writes it into messages.</summary>
    private static string IsoFormat(DateTimeOffset time) =>
        time.UtcDateTime.ToString(time.UtcDateTime.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-ddTHH:mm:ss" : "yyyy-MM-ddTHH:mm:ss.ffffff",
            System.Globalization.CultureInfo.InvariantCulture);

    /// <param name="command">The query; its first columns are <see cref="Columns"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <param name="onRow">Reads extra columns of each row, after the model's.</param>
    private static async Task<List<Model>> ReadModelsAsync(SqliteCommand command, CancellationToken cancellationToken, Action<SqliteDataReader>? onRow = null)
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
                Created = SqlValues.ToDateTime(reader.GetInt64(5)),
                LastUpdate = SqlValues.ToDateTime(reader.GetInt64(6)),
                LastChange = reader.IsDBNull(7) ? null : SqlValues.ToDateTime(reader.GetInt64(7)),
                LastChangedBy = reader.GetStringOrNull(8),
                Task = reader.GetStringOrNull(9),
                Parent = reader.GetStringOrNull(10),
                Project = reader.GetStringOrNull(11),
                Comment = reader.GetStringOrNull(12),
                Tags = SqlValues.FromJsonArray(reader.GetString(13)),
                SystemTags = SqlValues.FromJsonArray(reader.GetString(14)),
                Framework = reader.GetStringOrNull(15),
                Design = ReadObject(reader, 16),
                Labels = reader.IsDBNull(17) ? null : JsonSerializer.Deserialize<Dictionary<string, int?>>(reader.GetString(17)),
                Uri = reader.GetString(18),
                Ready = reader.GetInt64(19) != 0,
                UiCache = ReadObject(reader, 20),
                Metadata = MetadataFromJson(reader.GetString(21)),
                LastIteration = reader.GetInt64(22),
                LastMetrics = ReadObject(reader, 23),
            });
            onRow?.Invoke(reader);
        }
        return models;
    }

    private static JsonObject? ReadObject(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : JsonNode.Parse(reader.GetString(ordinal)) as JsonObject;

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
        // JsonDocument reads pooled memory and allocates only the strings kept (cheaper than JsonNode).
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
