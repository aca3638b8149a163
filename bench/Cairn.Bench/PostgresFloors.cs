using System.Text.Json.Nodes;
using Npgsql;

namespace Cairn.Bench;

/// <summary>
/// The hand-written PostgreSQL statements for the queries of <see cref="ModelQuery.All"/> (same
/// names, same request bodies): what a person would write against the PostgreSQL schema (tags
/// and system tags are <c>text[]</c> with GIN indexes, metadata a GIN-indexed <c>jsonb</c> form, seq the
/// insertion order), reading the same columns as the SQLite floor. Parameters are Npgsql's <c>@name</c>.
/// </summary>
internal static class PostgresFloors
{
    private const string Scope = "m.company IN (@company, '')";

    public static IReadOnlyDictionary<string, SqlQuery> For(ModelCorpus corpus, string projectId)
    {
        var tag = ModelCorpus.Tags[7];
        var other = ModelCorpus.Tags[13];
        var dataset = ModelCorpus.Datasets[0];
        var common = ModelCorpus.Tags[1];
        var company = ("company", (object)ModelCorpus.Company);
        var floors = new Dictionary<string, SqlQuery>(StringComparer.Ordinal);

        void Add(string name, string where, (string, object)[] parameters, string order = "m.seq", int take = ModelQuery.MaxPageSize, bool alsoProjected = true)
        {
            floors[name] = new SqlQuery($"SELECT {ModelQuery.AllColumns} FROM models m WHERE {Scope} AND {where} ORDER BY {order} LIMIT {take}", [company, .. parameters]);
            if (alsoProjected)
            {
                floors[name + " + only_fields"] = new SqlQuery($"SELECT m.id, m.created, m.system_tags FROM models m WHERE {Scope} AND {where} ORDER BY {order} LIMIT {take}", [company, .. parameters]);
            }
        }

        Add("id, no match", "m.id = @id", [("id", "00000000000000000000000000000000")], alsoProjected: false);
        Add("one tag", "m.tags @> ARRAY[@tag]::text[]", [("tag", tag)]);
        Add("tag and not tag", "m.tags @> ARRAY[@tag]::text[] AND NOT m.tags @> ARRAY[@other]::text[]", [("tag", tag), ("other", other)]);
        Add("exact name (SDK regex)", "m.name = @name", [("name", corpus.SampleName)]);
        Add("metadata.dataset.value", "m.metadata::jsonb @> @document::jsonb",
            [("document", new JsonObject { ["dataset"] = new JsonObject { ["value"] = dataset } }.ToJsonString())]);
        Add("order_by -last_update, page_size 100", "TRUE", [], order: "m.last_update DESC, m.id", take: 100);

        // The web UI's model table: 30 newest first, archived left out, the table's columns.
        const string tableColumns =
            "m.id, m.name, m.framework, m.tags, m.system_tags, m.ready, m.project, m.user_id, m.task, m.last_update, m.created, m.comment, m.metadata, m.last_metrics, m.uri";
        void Table(string name, string where, (string, object)[] parameters) =>
            floors[name] = new SqlQuery(
                $"SELECT {tableColumns} FROM models m WHERE {Scope} AND NOT m.system_tags @> ARRAY['archived']::text[]{where} ORDER BY m.created DESC, m.id LIMIT 30",
                [company, .. parameters]);
        Table("table page: newest first", "", []);
        Table($"table page: common tag ({common})", " AND m.tags @> ARRAY[@tag]::text[]", [("tag", common)]);
        Table("table page: rare tag (40 models)", " AND m.tags @> ARRAY[@tag]::text[]", [("tag", ModelQuery.RareTag)]);
        Table("table page: one project", " AND m.project = @project", [("project", projectId)]);

        // The filter menus, as plain DISTINCTs.
        floors["models.get_frameworks"] = new SqlQuery(
            $"SELECT DISTINCT m.framework FROM models m WHERE {Scope} AND m.framework <> '' ORDER BY m.framework", [company]);
        floors["models.get_frameworks, one project"] = new SqlQuery(
            $"SELECT DISTINCT m.framework FROM models m WHERE {Scope} AND m.project = @project AND m.framework <> '' ORDER BY m.framework", [company, ("project", projectId)]);
        floors["projects.get_model_tags"] = new SqlQuery(
            $"SELECT DISTINCT t.tag FROM models m CROSS JOIN LATERAL unnest(m.tags) AS t(tag) WHERE {Scope} ORDER BY t.tag", [company]);
        floors["projects.get_model_tags, one project"] = new SqlQuery(
            $"SELECT DISTINCT t.tag FROM models m CROSS JOIN LATERAL unnest(m.tags) AS t(tag) WHERE {Scope} AND m.project = @project ORDER BY t.tag", [company, ("project", projectId)]);
        return floors;
    }

    /// <summary>A keyset page of the whole store in insertion order (seq is the last column).</summary>
    public static SqlQuery ScrollPage(int size) => new(
        $"SELECT {ModelQuery.AllColumns}, m.seq FROM models m WHERE {Scope} AND m.seq > @after ORDER BY m.seq LIMIT {size}",
        [("company", ModelCorpus.Company), ("after", 0L)]);

    /// <summary>Makes a fresh database with the role of <paramref name="admin"/> and returns its connection string.</summary>
    public static async Task<(string Name, string ConnectionString)> CreateDatabaseAsync(string admin, string purpose, CancellationToken cancellationToken)
    {
        var name = $"cairn_bench_{purpose}_{Guid.NewGuid():N}";
        await ExecuteAsync(admin, $"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", cancellationToken).ConfigureAwait(false);
        return (name, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    }

    public static async Task DropDatabaseAsync(string admin, string name)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A prepared command for <paramref name="query"/> on <paramref name="connection"/>.</summary>
    public static async Task<NpgsqlCommand> PrepareAsync(NpgsqlConnection connection, SqlQuery query, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(query.Text, connection);
        foreach (var (name, value) in query.Parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        return command;
    }

    /// <summary>EXPLAIN ANALYZE of <paramref name="query"/>, the plan's lines.</summary>
    public static async Task<string> ExplainAsync(NpgsqlConnection connection, SqlQuery query, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + query.Text, connection);
        foreach (var (name, value) in query.Parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var plan = new System.Text.StringBuilder();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plan.AppendLine(reader.GetString(0));
        }
        return plan.ToString();
    }
}
