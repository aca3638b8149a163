using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Projects;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Npgsql;

namespace Cairn.Store.Postgres;

internal sealed class PostgresProjectStore(PostgresDatabase database) : IProjectStore
{
    private const string Columns =
        "p.id, p.company, p.name, p.basename, p.description, p.user_id, p.created, p.last_update, " +
        "p.tags, p.system_tags, p.default_output_destination, p.parent, p.path";

    /// <summary>
    /// Creating and renaming take this advisory lock (with the company's hash) for the
    /// transaction: "no project of that name yet" is a check on rows that do not exist, so two
    /// replicas creating the same project (or its ancestors) must take turns.
    /// </summary>
    private const int NamesLockClass = 0x70726a;

    private static readonly Dictionary<string, Column> QueryColumns = new()
    {
        ["id"] = new(FieldKind.Text, "p.id", NeverEmpty: true),
        ["name"] = new(FieldKind.Text, "p.name"),
        ["basename"] = new(FieldKind.Text, "p.basename"),
        ["description"] = new(FieldKind.Text, "p.description"),
        ["user"] = new(FieldKind.Text, "p.user_id"),
        ["company"] = new(FieldKind.Text, "p.company"),
        ["created"] = new(FieldKind.DateTime, "p.created"),
        ["last_update"] = new(FieldKind.DateTime, "p.last_update"),
        ["tags"] = new(FieldKind.TextList, "p.tags"),
        ["system_tags"] = new(FieldKind.TextList, "p.system_tags"),
        ["default_output_destination"] = new(FieldKind.Text, "p.default_output_destination"),
        ["parent"] = new(FieldKind.Text, "p.parent"),
        ["path"] = new(FieldKind.TextList, "p.path"),
    };

    public async Task<Project?> GetByIdOrNullAsync(string company, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM projects p WHERE p.id = @id AND p.company IN (@company, '')", connection);
        command.Add("id", id);
        command.Add("company", company);
        var found = await ReadProjectsAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return names;
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT id, name FROM projects WHERE id = ANY(@ids) AND company IN (@company, '')", connection);
        command.AddTextArray("ids", ids.Distinct());
        command.Add("company", company);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }
        return names;
    }

    public async Task<IReadOnlyList<Project>> QueryAsync(string company, EntityQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var translator = new PostgresQueryTranslator(field => QueryColumns.GetValueOrDefault(field), "p.seq", command);
        command.CommandText =
            $"SELECT {Columns} FROM projects p WHERE p.company IN (@company, '') AND {translator.Where(query.Conditions)} " +
            $"ORDER BY {translator.OrderBy(query.Order)} LIMIT @take OFFSET @skip";
        command.Add("company", company);
        command.Add("take", query.Take);
        command.Add("skip", query.Skip);
        try
        {
            return await ReadProjectsAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidRegularExpression)
        {
            // PostgresRegex refuses what it cannot translate; this catches what slipped through.
            throw new CairnException(ErrorCodes.InvalidRegex, e.MessageText);
        }
    }

    public async Task<ProjectCreateResult> CreateAsync(NewProject project, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockNamesAsync(connection, transaction, project.Company, cancellationToken).ConfigureAwait(false);
        var (ownId, publicId) = await FindByNameAsync(connection, transaction, project.Company, project.Name.FullName, cancellationToken).ConfigureAwait(false);
        if (ownId is not null)
        {
            return new ProjectCreateResult(ProjectCreateOutcome.AlreadyExists, ownId);
        }
        if (publicId is not null)
        {
            return new ProjectCreateResult(ProjectCreateOutcome.PublicProjectExists, publicId);
        }
        var id = await InsertWithAncestorsAsync(connection, transaction, project, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ProjectCreateResult(ProjectCreateOutcome.Created, id);
    }

    public async Task<string> GetOrCreateAsync(NewProject project, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        (await CreateAsync(project, now, cancellationToken).ConfigureAwait(false)).Id;

    public async Task<ProjectUpdateOutcome> UpdateAsync(string company, string id, ProjectChanges changes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (changes.Name is not null)
        {
            await LockNamesAsync(connection, transaction, company, cancellationToken).ConfigureAwait(false);
        }

        string oldName;
        await using (var load = new NpgsqlCommand("SELECT name FROM projects WHERE id = @id AND company = @company FOR UPDATE", connection, transaction))
        {
            load.Add("id", id);
            load.Add("company", company);
            if (await load.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string name)
            {
                return ProjectUpdateOutcome.NotFound;
            }
            oldName = name;
        }

        var sets = new List<string> { "last_update = @now" };
        await using var update = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        update.Add("now", PostgresValues.ToDb(now));
        update.Add("id", id);
        update.Add("company", company);

        var renamed = changes.Name is not null && changes.Name.FullName != oldName;
        if (renamed)
        {
            var newName = changes.Name!;
            var oldParts = oldName.Split('/');
            if (!oldParts[..^1].SequenceEqual(newName.Parts.Take(newName.Parts.Count - 1)))
            {
                return ProjectUpdateOutcome.LocationChanged;
            }
            var (taken, _) = await FindByNameAsync(connection, transaction, company, newName.FullName, cancellationToken).ConfigureAwait(false);
            if (taken is not null)
            {
                return ProjectUpdateOutcome.NameTaken;
            }
            sets.Add("name = @name");
            sets.Add("basename = @basename");
            update.Add("name", newName.FullName);
            update.Add("basename", newName.Basename);
        }
        if (changes.Description is not null)
        {
            sets.Add("description = @description");
            update.Add("description", changes.Description);
        }
        if (changes.Tags is not null)
        {
            sets.Add("tags = @tags");
            update.AddTextArray("tags", TagArray(changes.Tags));
        }
        if (changes.SystemTags is not null)
        {
            sets.Add("system_tags = @system_tags");
            update.AddTextArray("system_tags", TagArray(changes.SystemTags));
        }
        if (changes.DefaultOutputDestination is not null)
        {
            sets.Add("default_output_destination = @destination");
            update.Add("destination", changes.DefaultOutputDestination);
        }
        update.CommandText = $"UPDATE projects SET {string.Join(", ", sets)} WHERE id = @id AND company = @company";
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        if (renamed)
        {
            // Subprojects keep their place under the renamed project: replace the name prefix
            // (length counts characters in PostgreSQL, as substr does).
            await using var children = new NpgsqlCommand(
                "UPDATE projects AS p SET name = @name || substr(p.name, length(@old_name) + 1), last_update = @now " +
                "WHERE p.company = @company AND @id = ANY(p.path)", connection, transaction);
            children.Add("name", changes.Name!.FullName);
            children.Add("old_name", oldName);
            children.Add("now", PostgresValues.ToDb(now));
            children.Add("company", company);
            children.Add("id", id);
            await children.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ProjectUpdateOutcome.Updated;
    }

    public async Task<IReadOnlyDictionary<string, ProjectContents>> GetContentsAsync(
        string company, IReadOnlyCollection<string> ids, bool includeSubprojects, CancellationToken cancellationToken = default)
    {
        var contents = ids.Distinct().ToDictionary(id => id, _ => new ProjectContents(0, 0, 0, 0));
        if (contents.Count == 0)
        {
            return contents;
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<(string Id, string Table), (int Total, int Archived)>();
        foreach (var table in new[] { "models", "tasks" })
        {
            await using var command = new NpgsqlCommand($"""
                SELECT r.id, COUNT(*), COUNT(*) FILTER (WHERE 'archived' = ANY(e.system_tags))
                FROM projects r
                JOIN projects d ON {SubtreeScope(includeSubprojects)}
                JOIN {table} e ON e.project = d.id AND e.company = @company
                WHERE r.id = ANY(@ids)
                GROUP BY r.id
                """, connection);
            command.AddTextArray("ids", contents.Keys);
            command.Add("company", company);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[(reader.GetString(0), table)] = ((int)reader.GetInt64(1), (int)reader.GetInt64(2));
            }
        }
        foreach (var id in contents.Keys.ToList())
        {
            var models = counts.GetValueOrDefault((id, "models"));
            var tasks = counts.GetValueOrDefault((id, "tasks"));
            contents[id] = new ProjectContents(models.Total, tasks.Total, models.Archived, tasks.Archived);
        }
        return contents;
    }

    public async Task<IReadOnlyList<SubProject>> GetDescendantsAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT p.id, p.name, p.path, 'hidden' = ANY(p.system_tags)
            FROM projects p
            WHERE p.company IN (@company, '') AND p.path && @ids
            ORDER BY p.name, p.id
            """, connection);
        command.AddTextArray("ids", ids);
        command.Add("company", company);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var descendants = new List<SubProject>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            descendants.Add(new SubProject(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetBoolean(3)));
        }
        return descendants;
    }

    public async Task<IReadOnlyDictionary<string, ProjectTaskStats>> GetTaskStatsAsync(
        string company, IReadOnlyCollection<string> ids, bool includeSubprojects, bool archived, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var rows = ids.Distinct().ToDictionary(id => id, _ => (Counts: new Dictionary<string, int>(), Total: 0, Runtime: 0L, Recent: 0, LastRun: (long?)null));
        if (rows.Count == 0)
        {
            return new Dictionary<string, ProjectTaskStats>();
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            SELECT r.id, t.status, COUNT(*),
                   COALESCE(SUM(CASE WHEN t.started IS NOT NULL AND t.completed >= t.started THEN (t.completed - t.started) / 1000 ELSE 0 END), 0)::bigint,
                   COUNT(*) FILTER (WHERE t.status IN ('completed', 'published', 'closed', 'stopped', 'failed') AND t.completed >= @since),
                   MAX(t.started)
            FROM projects r
            JOIN projects d ON {SubtreeScope(includeSubprojects)}
            JOIN tasks t ON t.project = d.id AND t.company = @company
            WHERE r.id = ANY(@ids) AND ('archived' = ANY(t.system_tags)) = @archived
            GROUP BY r.id, t.status
            """, connection);
        command.AddTextArray("ids", rows.Keys);
        command.Add("company", company);
        command.Add("archived", archived);
        command.Add("since", PostgresValues.ToDb(now.AddDays(-1)));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = rows[reader.GetString(0)];
                var count = (int)reader.GetInt64(2);
                row.Counts[reader.GetString(1)] = count;
                var lastRun = reader.IsDBNull(5) ? (long?)null : reader.GetInt64(5);
                rows[reader.GetString(0)] = (row.Counts, row.Total + count, row.Runtime + reader.GetInt64(3), row.Recent + (int)reader.GetInt64(4),
                    lastRun is null ? row.LastRun : Math.Max(lastRun.Value, row.LastRun ?? long.MinValue));
            }
        }
        return rows.ToDictionary(
            kv => kv.Key,
            kv => new ProjectTaskStats(
                ProjectTaskStats.Statuses.ToDictionary(s => s, s => kv.Value.Counts.GetValueOrDefault(s)),
                kv.Value.Total,
                kv.Value.Runtime,
                kv.Value.Recent,
                kv.Value.LastRun is { } last ? PostgresValues.ToDateTime(last) : null));
    }

    /// <summary>Joins a requested project r to the projects d it covers: itself, and with subprojects its descendants.</summary>
    private static string SubtreeScope(bool includeSubprojects) => includeSubprojects
        ? "(d.id = r.id OR r.id = ANY(d.path))"
        : "d.id = r.id";

    public async Task<ProjectDeleteResult> DeleteAsync(string company, string id, bool deleteContents, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        const string InTree = "(SELECT p.id FROM projects p WHERE p.company = @company AND (p.id = @id OR @id = ANY(p.path)))";

        async Task<int> ExecuteAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Add("company", company);
            command.Add("id", id);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var contentChange = deleteContents ? "DELETE FROM {0}" : "UPDATE {0} SET project = NULL";
        var models = await ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, contentChange, "models") + $" WHERE company = @company AND project IN {InTree}").ConfigureAwait(false);
        var tasks = await ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, contentChange, "tasks") + $" WHERE company = @company AND project IN {InTree}").ConfigureAwait(false);
        // One statement removes the whole tree; the parent references are checked at its end.
        var deleted = await ExecuteAsync($"DELETE FROM projects WHERE id IN {InTree}").ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ProjectDeleteResult(deleted, models, tasks);
    }

    // The lists behind the web UI's menus: metadata keys and values, metric variants, task tags.
    // Text read out of JSON orders by its bytes (COLLATE "C"), as SQLite's does, whatever the
    // database's default collation.
    public async Task<IReadOnlyList<string>> GetModelMetadataKeysAsync(string company, IReadOnlyCollection<string>? projects, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // The entry's own "key", else the map key.
        command.CommandText =
            "SELECT DISTINCT COALESCE(d.value ->> 'key', d.key) COLLATE \"C\" AS item FROM models m CROSS JOIN LATERAL json_each(m.metadata::json) d " +
            $"WHERE m.company IN (@company, ''){InProjects(command, "m", projects)} ORDER BY item";
        command.Add("company", company);
        return await PostgresModelStore.ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(IReadOnlyList<string> Values, int Total)> GetModelMetadataValuesAsync(
        string company, IReadOnlyCollection<string>? projects, string key, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var values =
            "SELECT DISTINCT (m.metadata::json -> @key ->> 'value') COLLATE \"C\" AS value FROM models m " +
            $"WHERE (m.metadata::json -> @key ->> 'value') IS NOT NULL AND m.company IN (@company, ''){InProjects(command, "m", projects)}";
        command.CommandText = $"SELECT COUNT(*) FROM ({values}) v";
        command.Add("company", company);
        command.Add("key", MetadataKey.Escape(key)); // the map's keys are stored escaped
        var total = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        command.CommandText = $"{values} ORDER BY value LIMIT @take OFFSET @skip";
        command.Add("take", take);
        command.Add("skip", skip);
        return (await PostgresModelStore.ReadStringsAsync(command, cancellationToken).ConfigureAwait(false), total);
    }

    public async Task<IReadOnlyList<MetricVariant>> GetMetricVariantsAsync(
        string company, IReadOnlyCollection<string>? projects, bool models, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var table = models ? "models" : "tasks";
        var inIds = "";
        if (ids is not null)
        {
            inIds = " AND e.id = ANY(@ids)";
            command.AddTextArray("ids", ids);
        }
        command.CommandText =
            "SELECT DISTINCT (v.value ->> 'metric') COLLATE \"C\", mt.key, (v.value ->> 'variant') COLLATE \"C\", v.key " +
            $"FROM {table} e CROSS JOIN LATERAL json_each(e.last_metrics::json) mt " +
            "CROSS JOIN LATERAL json_each(CASE WHEN json_typeof(mt.value) = 'object' THEN mt.value ELSE '{}'::json END) v " +
            $"WHERE e.last_metrics IS NOT NULL AND e.company IN (@company, ''){InProjects(command, "e", projects)}{inIds} " +
            "ORDER BY 1, 3";
        command.Add("company", company);
        var found = new List<MetricVariant>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.IsDBNull(0) && !reader.IsDBNull(2))
            {
                found.Add(new MetricVariant(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }
        }
        return found;
    }

    public async Task<IReadOnlyList<string>> GetTaskTagsAsync(string company, IReadOnlyCollection<string>? projects, bool systemTags, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var column = systemTags ? "system_tags" : "tags";
        command.CommandText =
            $"SELECT DISTINCT j.tag FROM tasks t CROSS JOIN LATERAL unnest(t.{column}) AS j(tag) " +
            $"WHERE t.company IN (@company, ''){InProjects(command, "t", projects)} ORDER BY j.tag";
        command.Add("company", company);
        return await PostgresModelStore.ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, string>> GetTaskProjectsAsync(string company, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default)
    {
        var projects = new Dictionary<string, string>(StringComparer.Ordinal);
        if (taskIds.Count == 0)
        {
            return projects;
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT id, project FROM tasks WHERE id = ANY(@ids) AND company IN (@company, '') AND project IS NOT NULL AND project <> ''", connection);
        command.AddTextArray("ids", taskIds.Distinct());
        command.Add("company", company);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            projects[reader.GetString(0)] = reader.GetString(1);
        }
        return projects;
    }

    // hyperparams is {section: {name: {section, name, value, ...}}} with escaped names.
    private const string HyperParamPairs =
        "FROM tasks t CROSS JOIN LATERAL json_each(t.hyperparams::json) s " +
        "CROSS JOIN LATERAL json_each(CASE WHEN json_typeof(s.value) = 'object' THEN s.value ELSE '{}'::json END) n " +
        "WHERE t.hyperparams IS NOT NULL";

    public async Task<(IReadOnlyList<(string Section, string Name)> Parameters, int Total)> GetHyperParametersAsync(
        string company, IReadOnlyCollection<string>? projects, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // The pairs are the keys two levels down, ordered by their bytes as ClearML's $sort does.
        var pairs =
            $"SELECT DISTINCT s.key COLLATE \"C\" AS section, n.key COLLATE \"C\" AS name {HyperParamPairs} " +
            $"AND t.company IN (@company, ''){InProjects(command, "t", projects)}";
        command.CommandText = $"SELECT COUNT(*) FROM ({pairs}) p";
        command.Add("company", company);
        var total = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        command.CommandText = $"{pairs} ORDER BY section, name LIMIT @take OFFSET @skip";
        command.Add("take", take);
        command.Add("skip", skip);
        var found = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add((reader.GetString(0), reader.GetString(1)));
        }
        return (found, total);
    }

    public async Task<(IReadOnlyList<string> Values, int Total)> GetHyperParamValuesAsync(
        string company, bool allowPublic, IReadOnlyCollection<string>? projects, string section, string name, string? pattern,
        int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var companies = allowPublic ? "t.company IN (@company, '')" : "t.company = @company";
        var matching = "";
        if (pattern is not null)
        {
            matching = " AND (n.value ->> 'value') ~ @pattern";
            command.Add("pattern", PostgresRegex.Translate(pattern, ignoreCase: true));
        }
        var values =
            $"SELECT DISTINCT n.value ->> 'value' AS hp_value {HyperParamPairs} AND s.key = @section AND n.key = @name " +
            $"AND (n.value ->> 'value') IS NOT NULL AND {companies}{InProjects(command, "t", projects)}{matching}";
        command.CommandText = $"SELECT COUNT(*) FROM ({values}) v";
        command.Add("company", company);
        command.Add("section", section);
        command.Add("name", name);
        try
        {
            var total = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            command.CommandText = $"SELECT d.hp_value FROM ({values}) d ORDER BY d.hp_value COLLATE {PostgresModelStore.NaturalCollation} LIMIT @take OFFSET @skip";
            command.Add("take", take);
            command.Add("skip", skip);
            return (await PostgresModelStore.ReadStringsAsync(command, cancellationToken).ConfigureAwait(false), total);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidRegularExpression)
        {
            throw new CairnException(ErrorCodes.InvalidRegex, e.MessageText);
        }
    }

    private static string InProjects(NpgsqlCommand command, string alias, IReadOnlyCollection<string>? projects)
    {
        if (projects is null)
        {
            return "";
        }
        command.AddTextArray("projects", projects);
        return $" AND {alias}.project = ANY(@projects)";
    }

    private static async Task LockNamesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string company, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@class, hashtext(@company))", connection, transaction);
        command.Add("class", NamesLockClass);
        command.Add("company", company);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(string? Own, string? Public)> FindByNameAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string company, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT id, company FROM projects WHERE name = @name AND company IN (@company, '')", connection, transaction);
        command.Add("name", name);
        command.Add("company", company);
        string? own = null, shared = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetString(1) == company)
            {
                own = reader.GetString(0);
            }
            else
            {
                shared = reader.GetString(0);
            }
        }
        return (own, shared);
    }

    /// <summary>Inserts the project under its ancestors, creating the ancestors that are missing.</summary>
    private static async Task<string> InsertWithAncestorsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, NewProject project, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string? parent = null;
        var path = new List<string>();
        foreach (var (ancestorName, basename) in project.Name.AncestorNames.Zip(project.Name.Parts))
        {
            var (own, shared) = await FindByNameAsync(connection, transaction, project.Company, ancestorName, cancellationToken).ConfigureAwait(false);
            var ancestorId = own ?? shared;
            if (ancestorId is null)
            {
                ancestorId = EntityId.New();
                await InsertAsync(connection, transaction, ancestorId, project.Company, project.User, ancestorName, basename,
                    description: "", tags: [], systemTags: [], destination: null, parent, path, now, cancellationToken).ConfigureAwait(false);
            }
            parent = ancestorId;
            path.Add(ancestorId);
        }

        var id = EntityId.New();
        await InsertAsync(connection, transaction, id, project.Company, project.User, project.Name.FullName, project.Name.Basename,
            project.Description, project.Tags, project.SystemTags, project.DefaultOutputDestination, parent, path, now, cancellationToken).ConfigureAwait(false);
        return id;
    }

    private static async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string id, string company, string user, string name, string basename,
        string? description, IReadOnlyList<string> tags, IReadOnlyList<string> systemTags, string? destination, string? parent,
        IReadOnlyList<string> path, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO projects (id, company, name, basename, description, user_id, created, last_update, tags, system_tags,
                                  default_output_destination, parent, path)
            VALUES (@id, @company, @name, @basename, @description, @user, @now, @now, @tags, @system_tags, @destination, @parent, @path)
            """, connection, transaction);
        command.Add("id", id);
        command.Add("company", company);
        command.Add("name", name);
        command.Add("basename", basename);
        command.Add("description", description);
        command.Add("user", user);
        command.Add("now", PostgresValues.ToDb(now));
        command.AddTextArray("tags", TagArray(tags));
        command.AddTextArray("system_tags", TagArray(systemTags));
        command.Add("destination", destination);
        command.Add("parent", parent);
        command.AddTextArray("path", path);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tags are stored de-duplicated and sorted (ordinal), and returned that way, as in SQLite.</summary>
    private static IEnumerable<string> TagArray(IEnumerable<string> values) => values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    private static async Task<IReadOnlyList<Project>> ReadProjectsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var projects = new List<Project>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            projects.Add(new Project
            {
                Id = reader.GetString(0),
                Company = reader.GetString(1),
                Name = reader.GetString(2),
                Basename = reader.GetString(3),
                Description = reader.GetStringOrNull(4),
                User = reader.GetStringOrNull(5),
                Created = PostgresValues.ToDateTime(reader.GetInt64(6)),
                LastUpdate = PostgresValues.ToDateTime(reader.GetInt64(7)),
                Tags = reader.GetFieldValue<string[]>(8),
                SystemTags = reader.GetFieldValue<string[]>(9),
                DefaultOutputDestination = reader.GetStringOrNull(10),
                Parent = reader.GetStringOrNull(11),
                Path = reader.GetFieldValue<string[]>(12),
            });
        }
        return projects;
    }
}
