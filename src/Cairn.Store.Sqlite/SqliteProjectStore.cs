using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Projects;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite;

internal sealed partial class SqliteProjectStore(SqliteDatabase database) : IProjectStore
{
    private const string Columns =
        "p.id, p.company, p.name, p.basename, p.description, p.user_id, p.created, p.last_update, " +
        "p.tags, p.system_tags, p.default_output_destination, p.parent, p.path";

    // "p is a descendant of $id": its ancestor list holds $id.
    private const string DescendantOfId = "EXISTS (SELECT 1 FROM json_each(p.path) WHERE value = $id)";

    private static readonly Dictionary<string, Column> QueryColumns = new()
    {
        ["id"] = new(FieldKind.Text, "p.id"),
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
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM projects p WHERE p.id = $id AND p.company IN ($company, '')";
        command.Add("$id", id);
        command.Add("$company", company);
        var found = await ReadProjectsAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyDictionary<string, string>> GetNamesAsync(string company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
        NameLookup.GetAsync(database, "projects", company, ids, cancellationToken);

    public async Task<IReadOnlyList<Project>> QueryAsync(string company, EntityQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var translator = new SqlQueryTranslator(field => QueryColumns.GetValueOrDefault(field), "p.rowid", command);
        command.CommandText =
            $"SELECT {Columns} FROM projects p WHERE p.company IN ($company, '') AND {translator.Where(query.Conditions)} " +
            $"ORDER BY {translator.OrderBy(query.Order)} LIMIT $take OFFSET $skip";
        command.Add("$company", company);
        command.Add("$take", query.Take);
        command.Add("$skip", query.Skip);
        using var budget = await database.StartBudgetAsync(connection, query, cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReadProjectsAsync(command, cancellationToken).ConfigureAwait(false);
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

    public async Task<ProjectCreateResult> CreateAsync(NewProject project, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
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
        await using var transaction = connection.BeginTransaction(deferred: false);

        string oldName;
        await using (var load = connection.CreateCommand())
        {
            load.Transaction = transaction;
            load.CommandText = "SELECT name FROM projects WHERE id = $id AND company = $company";
            load.Add("$id", id);
            load.Add("$company", company);
            if (await load.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string name)
            {
                return ProjectUpdateOutcome.NotFound;
            }
            oldName = name;
        }

        var sets = new List<string> { "last_update = $now" };
        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.Add("$now", SqlValues.ToDb(now));
        update.Add("$id", id);
        update.Add("$company", company);

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
            sets.Add("name = $name");
            sets.Add("basename = $basename");
            update.Add("$name", newName.FullName);
            update.Add("$basename", newName.Basename);
        }
        if (changes.Description is not null)
        {
            sets.Add("description = $description");
            update.Add("$description", changes.Description);
        }
        if (changes.Tags is not null)
        {
            sets.Add("tags = $tags");
            update.Add("$tags", SqlValues.ToTagArray(changes.Tags));
        }
        if (changes.SystemTags is not null)
        {
            sets.Add("system_tags = $system_tags");
            update.Add("$system_tags", SqlValues.ToTagArray(changes.SystemTags));
        }
        if (changes.DefaultOutputDestination is not null)
        {
            sets.Add("default_output_destination = $destination");
            update.Add("$destination", changes.DefaultOutputDestination);
        }
        update.CommandText = $"UPDATE projects SET {string.Join(", ", sets)} WHERE id = $id AND company = $company";
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        if (renamed)
        {
            // Subprojects keep their place under the renamed project: replace the name prefix.
            await using var children = connection.CreateCommand();
            children.Transaction = transaction;
            children.CommandText =
                $"UPDATE projects AS p SET name = $name || substr(p.name, length($old_name) + 1), last_update = $now " +
                $"WHERE p.company = $company AND {DescendantOfId}";
            children.Add("$name", changes.Name!.FullName);
            // SQLite counts characters where .NET counts UTF-16 units, so the length is taken in SQL.
            children.Add("$old_name", oldName);
            children.Add("$now", SqlValues.ToDb(now));
            children.Add("$company", company);
            children.Add("$id", id);
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
            await using var command = connection.CreateCommand();
            var idList = command.AddList("$ids", contents.Keys);
            var scope = SubtreeScope(includeSubprojects);
            // For models, ix_models_project (project, framework, company) and the system-tag index
            // answer both counts without reading a model's row: a project of 5,000 models costs a few
            // milliseconds, not 60–80 (json_each over every model's system_tags).
            var archived = table == "models"
                ? "e.seq IN (SELECT model_seq FROM model_tags WHERE field = 1 AND tag = 'archived')"
                : "EXISTS (SELECT 1 FROM json_each(e.system_tags) WHERE value = 'archived')";
            command.CommandText = $"""
                SELECT r.id, COUNT(*), COALESCE(SUM({archived}), 0)
                FROM projects r
                JOIN projects d ON {scope}
                JOIN {table} e ON e.project = d.id AND e.company = $company
                WHERE r.id IN {idList}
                GROUP BY r.id
                """;
            command.Add("$company", company);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[(reader.GetString(0), table)] = (reader.GetInt32(1), reader.GetInt32(2));
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
        await using var command = connection.CreateCommand();
        var idList = command.AddList("$ids", ids);
        command.CommandText = $"""
            SELECT p.id, p.name, p.path, EXISTS (SELECT 1 FROM json_each(p.system_tags) WHERE value = 'hidden')
            FROM projects p
            WHERE p.company IN ($company, '') AND EXISTS (SELECT 1 FROM json_each(p.path) WHERE value IN {idList})
            ORDER BY p.name, p.id
            """;
        command.Add("$company", company);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var descendants = new List<SubProject>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            descendants.Add(new SubProject(reader.GetString(0), reader.GetString(1), SqlValues.FromJsonArray(reader.GetString(2)), reader.GetBoolean(3)));
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
        await using var command = connection.CreateCommand();
        var idList = command.AddList("$ids", rows.Keys);
        var scope = SubtreeScope(includeSubprojects);
        command.CommandText = $"""
            SELECT r.id, t.status, COUNT(*),
                   COALESCE(SUM(CASE WHEN t.started IS NOT NULL AND t.completed >= t.started THEN (t.completed - t.started) / 1000 ELSE 0 END), 0),
                   COALESCE(SUM(t.status IN ('completed', 'published', 'closed', 'stopped', 'failed') AND t.completed >= $since), 0),
                   MAX(t.started)
            FROM projects r
            JOIN projects d ON {scope}
            JOIN tasks t ON t.project = d.id AND t.company = $company
            WHERE r.id IN {idList}
              AND EXISTS (SELECT 1 FROM json_each(t.system_tags) WHERE value = 'archived') = $archived
            GROUP BY r.id, t.status
            """;
        command.Add("$company", company);
        command.Add("$archived", archived ? 1 : 0);
        command.Add("$since", SqlValues.ToDb(now.AddDays(-1)));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = rows[reader.GetString(0)];
                var count = reader.GetInt32(2);
                row.Counts[reader.GetString(1)] = count;
                var lastRun = reader.IsDBNull(5) ? (long?)null : reader.GetInt64(5);
                rows[reader.GetString(0)] = (row.Counts, row.Total + count, row.Runtime + reader.GetInt64(3), row.Recent + reader.GetInt32(4),
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
                kv.Value.LastRun is { } last ? SqlValues.ToDateTime(last) : null));
    }

    /// <summary>Joins a requested project r to the projects d it covers: itself, and with subprojects its descendants.</summary>
    private static string SubtreeScope(bool includeSubprojects) => includeSubprojects
        ? "(d.id = r.id OR EXISTS (SELECT 1 FROM json_each(d.path) WHERE value = r.id))"
        : "d.id = r.id";

    public async Task<ProjectDeleteResult> DeleteAsync(string company, string id, bool deleteContents, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var inTree = $"(SELECT p.id FROM projects p WHERE p.company = $company AND (p.id = $id OR {DescendantOfId}))";

        async Task<int> ExecuteAsync(string sql)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.Add("$company", company);
            command.Add("$id", id);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The models and tasks issues extend what deleting contents means (events, stored files);
        // until then a model or task is only its row.
        var contentChange = deleteContents ? "DELETE FROM {0}" : "UPDATE {0} SET project = NULL";
        var models = await ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, contentChange, "models") + $" WHERE company = $company AND project IN {inTree}").ConfigureAwait(false);
        var tasks = await ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, contentChange, "tasks") + $" WHERE company = $company AND project IN {inTree}").ConfigureAwait(false);
        // One statement removes the whole tree; SQLite checks the parent references at its end.
        var deleted = await ExecuteAsync($"DELETE FROM projects WHERE id IN {inTree}").ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ProjectDeleteResult(deleted, models, tasks);
    }

    private static async Task<(string? Own, string? Public)> FindByNameAsync(
        SqliteConnection connection, SqliteTransaction transaction, string company, string name, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id, company FROM projects WHERE name = $name AND company IN ($company, '')";
        command.Add("$name", name);
        command.Add("$company", company);
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
        SqliteConnection connection, SqliteTransaction transaction, NewProject project, DateTimeOffset now, CancellationToken cancellationToken)
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
        SqliteConnection connection, SqliteTransaction transaction, string id, string company, string user, string name, string basename,
        string? description, IReadOnlyList<string> tags, IReadOnlyList<string> systemTags, string? destination, string? parent,
        IReadOnlyList<string> path, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO projects (id, company, name, basename, description, user_id, created, last_update, tags, system_tags,
                                  default_output_destination, parent, path)
            VALUES ($id, $company, $name, $basename, $description, $user, $now, $now, $tags, $system_tags, $destination, $parent, $path)
            """;
        command.Add("$id", id);
        command.Add("$company", company);
        command.Add("$name", name);
        command.Add("$basename", basename);
        command.Add("$description", description);
        command.Add("$user", user);
        command.Add("$now", SqlValues.ToDb(now));
        command.Add("$tags", SqlValues.ToTagArray(tags));
        command.Add("$system_tags", SqlValues.ToTagArray(systemTags));
        command.Add("$destination", destination);
        command.Add("$parent", parent);
        command.Add("$path", SqlValues.ToJsonArray(path));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<Project>> ReadProjectsAsync(SqliteCommand command, CancellationToken cancellationToken)
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
                Created = SqlValues.ToDateTime(reader.GetInt64(6)),
                LastUpdate = SqlValues.ToDateTime(reader.GetInt64(7)),
                Tags = SqlValues.FromJsonArray(reader.GetString(8)),
                SystemTags = SqlValues.FromJsonArray(reader.GetString(9)),
                DefaultOutputDestination = reader.GetStringOrNull(10),
                Parent = reader.GetStringOrNull(11),
                Path = SqlValues.FromJsonArray(reader.GetString(12)),
            });
        }
        return projects;
    }
}
