using Cairn.Core.Models;
using Cairn.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite;

/// <summary>The lists behind the web UI's menus: metadata keys and values, metric variants, task tags.</summary>
internal sealed partial class SqliteProjectStore
{
    public async Task<IReadOnlyList<string>> GetModelMetadataKeysAsync(string company, IReadOnlyCollection<string>? projects, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // The model_metadata index table holds every entry's own key; no JSON is read.
        command.CommandText =
            "SELECT DISTINCT COALESCE(d.item_key, d.key) AS item FROM model_metadata d JOIN models m ON m.seq = d.model_seq " +
            $"WHERE m.company IN ($company, ''){InProjects(command, "m", projects)} ORDER BY item";
        command.Add("$company", company);
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(IReadOnlyList<string> Values, int Total)> GetModelMetadataValuesAsync(
        string company, IReadOnlyCollection<string>? projects, string key, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var values =
            "SELECT DISTINCT CAST(d.value AS TEXT) AS value FROM model_metadata d JOIN models m ON m.seq = d.model_seq " +
            $"WHERE d.key = $key AND d.value IS NOT NULL AND m.company IN ($company, ''){InProjects(command, "m", projects)}";
        command.CommandText = $"SELECT COUNT(*) FROM ({values})";
        command.Add("$company", company);
        command.Add("$key", MetadataKey.Escape(key)); // the index table's key is the escaped map key
        var total = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        command.CommandText = $"{values} ORDER BY value LIMIT $take OFFSET $skip";
        command.Add("$take", take);
        command.Add("$skip", skip);
        return (await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false), total);
    }

    public async Task<IReadOnlyList<MetricVariant>> GetMetricVariantsAsync(
        string company, IReadOnlyCollection<string>? projects, bool models, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var table = models ? "models" : "tasks";
        var inIds = ids is null ? "" : $" AND e.id IN {command.AddList("$ids", ids)}";
        command.CommandText =
            "SELECT DISTINCT json_extract(v.value, '$.metric'), mt.key, json_extract(v.value, '$.variant'), v.key " +
            $"FROM {table} e, json_each(e.last_metrics) mt, json_each(mt.value) v " +
            $"WHERE e.last_metrics IS NOT NULL AND e.company IN ($company, ''){InProjects(command, "e", projects)}{inIds} " +
            "ORDER BY 1, 3";
        command.Add("$company", company);
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
            $"SELECT DISTINCT j.value FROM tasks t, json_each(t.{column}) j " +
            $"WHERE t.company IN ($company, ''){InProjects(command, "t", projects)} ORDER BY j.value";
        command.Add("$company", company);
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, string>> GetTaskProjectsAsync(string company, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default)
    {
        var projects = new Dictionary<string, string>(StringComparer.Ordinal);
        if (taskIds.Count == 0)
        {
            return projects;
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT id, project FROM tasks WHERE id IN {command.AddList("$ids", taskIds)} AND company IN ($company, '') AND project IS NOT NULL AND project <> ''";
        command.Add("$company", company);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            projects[reader.GetString(0)] = reader.GetString(1);
        }
        return projects;
    }

    public async Task<(IReadOnlyList<(string Section, string Name)> Parameters, int Total)> GetHyperParametersAsync(
        string company, IReadOnlyCollection<string>? projects, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // hyperparams is {section: {name: {section, name, value, ...}}} with escaped names; the
        // pairs are its keys two levels down, ordered by their bytes as ClearML's $sort does.
        var pairs =
            "SELECT DISTINCT s.key AS section, n.key AS name FROM tasks t, json_each(t.hyperparams) s, json_each(s.value) n " +
            "WHERE t.hyperparams IS NOT NULL AND s.type = 'object' AND n.key IS NOT NULL " +
            $"AND t.company IN ($company, ''){InProjects(command, "t", projects)}";
        command.CommandText = $"SELECT COUNT(*) FROM ({pairs})";
        command.Add("$company", company);
        var total = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        command.CommandText = $"{pairs} ORDER BY section, name LIMIT $take OFFSET $skip";
        command.Add("$take", take);
        command.Add("$skip", skip);
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
        // Keys are compared as json_each gives them, so no JSON path has to quote a name.
        var companies = allowPublic ? "t.company IN ($company, '')" : "t.company = $company";
        var matching = pattern is null ? "" : " AND cairn_regexp($pattern, CAST(json_extract(n.value, '$.value') AS TEXT))";
        var values =
            "SELECT DISTINCT CAST(json_extract(n.value, '$.value') AS TEXT) AS value " +
            "FROM tasks t, json_each(t.hyperparams) s, json_each(s.value) n " +
            "WHERE t.hyperparams IS NOT NULL AND s.key = $section AND s.type = 'object' AND n.key = $name " +
            $"AND json_extract(n.value, '$.value') IS NOT NULL AND {companies}{InProjects(command, "t", projects)}{matching}";
        command.CommandText = $"SELECT COUNT(*) FROM ({values})";
        command.Add("$company", company);
        command.Add("$section", section);
        command.Add("$name", name);
        if (pattern is not null)
        {
            command.Add("$pattern", "(?i)" + pattern);
        }
        var total = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        command.CommandText = $"{values} ORDER BY value COLLATE {SqliteDatabase.NaturalCollation} LIMIT $take OFFSET $skip";
        command.Add("$take", take);
        command.Add("$skip", skip);
        return (await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false), total);
    }

    private static string InProjects(SqliteCommand command, string alias, IReadOnlyCollection<string>? projects) =>
        projects is null ? "" : $" AND {alias}.project IN {command.AddList("$projects", projects)}";

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.IsDBNull(0))
            {
                found.Add(reader.GetString(0));
            }
        }
        return found;
    }
}
