using System.Text.Json.Nodes;

namespace Cairn.Bench;

/// <summary>A statement with its parameters, run on the benchmark's own read-only connection.</summary>
internal sealed record SqlQuery(string Text, IReadOnlyList<(string Name, object Value)> Parameters);

/// <summary>
/// One <c>models.get_all</c> request and two SQL statements that return the same rows: the one the
/// server's SQLite store builds for it (<see cref="ServerShaped"/>, to split the HTTP time into
/// "SQL" and "everything else") and the one a person would write by hand (<see cref="Hand"/>, the floor).
/// </summary>
/// <param name="Name">Short label for the report.</param>
/// <param name="Body">The JSON body, shaped as the ClearML SDK sends it.</param>
/// <param name="Filtered">Whether the query filters (the latency targets apply to these).</param>
/// <param name="ServerShaped">The statement the store generates for the request.</param>
/// <param name="Hand">The same query written by hand: the floor.</param>
/// <param name="Endpoint">The endpoint the body goes to; its answer's rows are <c>data.models</c> (ids) or its first list of strings.</param>
internal sealed record ModelQuery(string Name, string Body, bool Filtered, SqlQuery ServerShaped, SqlQuery Hand, string Endpoint = "models.get_all")
{
    /// <summary>A tag the benchmark adds to 40 of the models after the fill (every 2,500th): the rare case of a tag filter.</summary>
    public const string RareTag = "rare-tag";

    /// <summary>What the web UI's model table asks for (ModelTableState.ToRequest), without its joined fields.</summary>
    public static readonly string[] TableOnlyFields =
        ["id", "name", "framework", "tags", "system_tags", "ready", "project", "user", "task", "last_update", "created", "comment", "metadata", "last_metrics", "uri"];

    /// <summary>The columns the store reads for <see cref="TableOnlyFields"/>: stand-ins for design, labels and ui_cache.</summary>
    private const string ServerTableColumns =
        "m.id, m.company, m.company_origin, m.name, m.user_id, m.created, m.last_update, m.last_change, m.last_changed_by, " +
        "m.task, m.parent, m.project, m.comment, m.tags, m.system_tags, m.framework, NULL, NULL, m.uri, m.ready, " +
        "NULL, m.metadata, m.last_iteration, m.last_metrics";

    private const string TableColumns =
        "m.id, m.name, m.framework, m.tags, m.system_tags, m.ready, m.project, m.user_id, m.task, m.last_update, m.created, m.comment, m.metadata, m.last_metrics, m.uri";

    /// <summary>Every column the store reads for a model, in its order (SqliteModelStore.ColumnList).</summary>
    public const string AllColumns =
        "m.id, m.company, m.company_origin, m.name, m.user_id, m.created, m.last_update, m.last_change, m.last_changed_by, " +
        "m.task, m.parent, m.project, m.comment, m.tags, m.system_tags, m.framework, m.design, m.labels, m.uri, m.ready, " +
        "m.ui_cache, m.metadata, m.last_iteration, m.last_metrics";

    /// <summary>What <c>Model.query_models</c> in the SDK asks for (api.md §8.1, step 11).</summary>
    public static readonly string[] SdkOnlyFields = ["id", "created", "system_tags"];

    private const string SdkColumns = "m.id, m.created, m.system_tags";

    /// <summary>
    /// The columns the store reads for <see cref="SdkOnlyFields"/> (SqliteModelStore.ColumnsFor): the JSON
    /// and free-text columns the projection does not name are replaced by stand-ins that keep the positions.
    /// </summary>
    private const string ServerSdkColumns =
        "m.id, m.company, m.company_origin, m.name, m.user_id, m.created, m.last_update, m.last_change, m.last_changed_by, " +
        "m.task, m.parent, m.project, NULL, '[]', m.system_tags, m.framework, NULL, NULL, m.uri, m.ready, " +
        "NULL, '{}', m.last_iteration, NULL";

    /// <summary>The server returns at most this many rows per call (ClearML's max_page_size).</summary>
    public const int MaxPageSize = 500;

    /// <summary>
    /// The measured queries. The server-shaped SQL copies what SqlQueryTranslator and
    /// SqliteModelStore.QueryAsync generate as of this writing (the columns a projection needs plus
    /// seq, company scope, the index-table subqueries with json_each parameter lists, ORDER BY with
    /// the id tie-breaker, LIMIT $take OFFSET $skip); if the store changes, these copies go stale and
    /// only the HTTP and hand-written figures remain meaningful.
    /// </summary>
    /// <param name="corpus">The generated store.</param>
    /// <param name="projectId">One of its projects (about 5,000 models), for the project-scoped queries.</param>
    public static IReadOnlyList<ModelQuery> All(ModelCorpus corpus, string projectId)
    {
        var tag = ModelCorpus.Tags[7];
        var other = ModelCorpus.Tags[13];
        var dataset = ModelCorpus.Datasets[0];
        var nameRegex = "^" + ModelCorpus.PythonReEscape(corpus.SampleName) + "$";
        var company = ("$company", (object)ModelCorpus.Company);

        var queries = new List<ModelQuery>();
        void Add(string name, JsonObject body, bool filtered, string serverWhere, (string, object)[] serverParameters,
            string handWhere, (string, object)[] handParameters, string serverOrder = "m.seq", string handOrder = "m.seq", int take = MaxPageSize, bool alsoProjected = true)
        {
            SqlQuery Server(string columns) => new(
                $"SELECT {columns}, m.seq FROM models m WHERE m.company IN ($company, '') AND {serverWhere} ORDER BY {serverOrder} LIMIT $take OFFSET $skip",
                [company, .. serverParameters, ("$take", take), ("$skip", 0)]);
            queries.Add(new ModelQuery(name, body.ToJsonString(), filtered, Server(AllColumns),
                new SqlQuery($"SELECT {AllColumns} FROM models m WHERE m.company IN ($company, '') AND {handWhere} ORDER BY {handOrder} LIMIT {take}",
                    [company, .. handParameters])));
            if (!alsoProjected)
            {
                return;
            }
            // The same query as Model.query_models sends it, with only_fields: the store reads the
            // projection's columns and stand-ins for the JSON columns it leaves out; the hand-written
            // floor reads the three columns alone.
            var projected = (JsonObject)body.DeepClone();
            projected["only_fields"] = new JsonArray(SdkOnlyFields.Select(f => (JsonNode?)f).ToArray());
            queries.Add(new ModelQuery(name + " + only_fields", projected.ToJsonString(), filtered, Server(ServerSdkColumns),
                new SqlQuery($"SELECT {SdkColumns} FROM models m WHERE m.company IN ($company, '') AND {handWhere} ORDER BY {handOrder} LIMIT {take}",
                    [company, .. handParameters])));
        }

        // What every get_all costs beyond its rows: parsing, auth, one indexed lookup that finds nothing.
        Add("id, no match", new JsonObject { ["id"] = new JsonArray("00000000000000000000000000000000") }, false,
            "(m.id IN (SELECT value FROM json_each($q0)))",
            [("$q0", Json("00000000000000000000000000000000"))],
            "m.id = $id",
            [("$id", "00000000000000000000000000000000")],
            alsoProjected: false);

        Add("one tag", new JsonObject { ["tags"] = new JsonArray(tag) }, true,
            "(m.seq IN (SELECT model_seq FROM model_tags WHERE field = 0 AND tag IN (SELECT value FROM json_each($q0))))",
            [("$q0", Json(tag))],
            "m.seq IN (SELECT model_seq FROM model_tags WHERE field = 0 AND tag = $tag)",
            [("$tag", tag)]);

        Add("tag and not tag", new JsonObject { ["tags"] = new JsonArray("__$and", tag, "__$not", other) }, true,
            "(m.seq IN (SELECT model_seq FROM model_tags WHERE field = 0 AND tag IN (SELECT value FROM json_each($q0))) " +
            "AND NOT EXISTS (SELECT model_seq FROM model_tags WHERE field = 0 AND tag IN (SELECT value FROM json_each($q1)) AND model_seq = m.seq))",
            [("$q0", Json(tag)), ("$q1", Json(other))],
            "m.seq IN (SELECT model_seq FROM model_tags WHERE field = 0 AND tag = $tag) " +
            "AND NOT EXISTS (SELECT 1 FROM model_tags WHERE field = 0 AND tag = $other AND model_seq = m.seq)",
            [("$tag", tag), ("$other", other)]);

        // The store also binds the regex as $q0, which this statement does not read.
        Add("exact name (SDK regex)", new JsonObject { ["name"] = nameRegex }, true,
            "(m.name IN ($q1, $q1 || char(10)))",
            [("$q1", corpus.SampleName)],
            "m.name = $name",
            [("$name", corpus.SampleName)]);

        Add("metadata.dataset.value", new JsonObject { ["metadata.dataset.value"] = new JsonArray(dataset) }, true,
            "(m.seq IN (SELECT model_seq FROM model_metadata WHERE key = 'dataset' AND value IN (SELECT value FROM json_each($q0))))",
            [("$q0", Json(dataset))],
            "m.seq IN (SELECT model_seq FROM model_metadata WHERE key = 'dataset' AND value = $value)",
            [("$value", dataset)]);

        Add("order_by -last_update, page_size 100", new JsonObject { ["order_by"] = new JsonArray("-last_update"), ["page_size"] = 100 }, false,
            "1 = 1", [], "1 = 1", [],
            serverOrder: "m.last_update DESC, m.id ASC", handOrder: "m.last_update DESC, m.id", take: 100);

        AddTablePages(queries, company, projectId);
        AddMenus(queries, company, projectId);
        return queries;
    }

    /// <summary>
    /// The web UI's model table: a page of 30, newest first, without archived models, with the
    /// table's projection; unfiltered, with a tag on 8% of the models, with a tag on 40 of them, and
    /// for one project. When every indexed condition matches many models the store reads the models
    /// in ix_models_created and stops at the page (a tag as a correlated <c>EXISTS</c>, a project as
    /// <c>+m.project IN …</c>, which no index answers); with a rare tag it reads the tag's models
    /// through model_tags and sorts them.
    /// </summary>
    private static void AddTablePages(List<ModelQuery> queries, (string, object) company, string projectId)
    {
        const int take = 30;
        const string notArchived = "(NOT EXISTS (SELECT model_seq FROM model_tags WHERE field = 1 AND tag IN (SELECT value FROM json_each($q0)) AND model_seq = m.seq))";
        const string handNotArchived = "NOT EXISTS (SELECT 1 FROM model_tags WHERE field = 1 AND tag = 'archived' AND model_seq = m.seq)";
        var archived = ("$q0", (object)Json("archived"));
        void Add(string name, JsonObject filter, string serverWhere, (string, object)[] serverParameters, string handWhere, (string, object)[] handParameters)
        {
            var body = (JsonObject)filter.DeepClone();
            body["system_tags"] = new JsonArray("-archived");
            body["order_by"] = new JsonArray("-created");
            body["page_size"] = take;
            body["only_fields"] = new JsonArray(TableOnlyFields.Select(f => (JsonNode?)f).ToArray());
            queries.Add(new ModelQuery(name, body.ToJsonString(), false,
                new SqlQuery(
                    $"SELECT {ServerTableColumns}, m.seq FROM models m WHERE m.company IN ($company, '') AND {notArchived}{serverWhere} " +
                    "ORDER BY m.created DESC, m.id ASC LIMIT $take OFFSET $skip",
                    [company, archived, .. serverParameters, ("$take", take), ("$skip", 0)]),
                new SqlQuery(
                    $"SELECT {TableColumns} FROM models m WHERE m.company IN ($company, '') AND {handNotArchived}{handWhere} " +
                    $"ORDER BY m.created DESC, m.id LIMIT {take}",
                    [company, .. handParameters])));
        }

        var common = ModelCorpus.Tags[1];
        Add("table page: newest first", [], "", [], "", []);
        Add($"table page: common tag ({common})", new JsonObject { ["tags"] = new JsonArray(common) },
            " AND (EXISTS (SELECT model_seq FROM model_tags WHERE field = 0 AND tag IN (SELECT value FROM json_each($q1)) AND model_seq = m.seq))",
            [("$q1", Json(common))],
            " AND EXISTS (SELECT 1 FROM model_tags WHERE field = 0 AND tag = $tag AND model_seq = m.seq)",
            [("$tag", common)]);
        Add("table page: rare tag (40 models)", new JsonObject { ["tags"] = new JsonArray(RareTag) },
            " AND (m.seq IN (SELECT model_seq FROM model_tags WHERE field = 0 AND tag IN (SELECT value FROM json_each($q1))))",
            [("$q1", Json(RareTag))],
            " AND m.seq IN (SELECT model_seq FROM model_tags WHERE field = 0 AND tag = $tag)",
            [("$tag", RareTag)]);
        Add("table page: one project", new JsonObject { ["project"] = new JsonArray(projectId) },
            " AND (+m.project IN (SELECT value FROM json_each($q1)))",
            [("$q1", Json(projectId))],
            " AND +m.project = $project",
            [("$project", projectId)]);
    }

    /// <summary>
    /// The table's filter menus: <c>models.get_frameworks</c> and <c>projects.get_model_tags</c>,
    /// company-wide and for one project. The store's statements are skip scans written out (one
    /// seek per distinct value) and, for a project's tags, a walk from the project's models. The
    /// hand-written frameworks are the plain DISTINCT a person would write, fast only when the
    /// planner has statistics (the server gathers them when it starts); the hand-written tags
    /// leave out the company check.
    /// </summary>
    private static void AddMenus(List<ModelQuery> queries, (string, object) company, string projectId)
    {
        var projects = ("$projects", (object)Json(projectId));
        queries.Add(new ModelQuery("models.get_frameworks", "{}", false,
            new SqlQuery("""
                WITH RECURSIVE f(framework) AS (
                    SELECT (SELECT MIN(framework) FROM models WHERE framework > '')
                    UNION ALL
                    SELECT (SELECT MIN(framework) FROM models WHERE framework > f.framework) FROM f WHERE f.framework IS NOT NULL)
                SELECT framework FROM f
                WHERE framework IS NOT NULL AND EXISTS (SELECT 1 FROM models WHERE framework = f.framework AND company IN ($company, ''))
                ORDER BY framework
                """, [company]),
            new SqlQuery("SELECT DISTINCT framework FROM models WHERE company IN ($company, '') AND framework <> '' ORDER BY framework", [company]),
            "models.get_frameworks"));
        queries.Add(new ModelQuery("models.get_frameworks, one project", new JsonObject { ["projects"] = new JsonArray(projectId) }.ToJsonString(), false,
            new SqlQuery("""
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
                """, [company, projects]),
            new SqlQuery("SELECT DISTINCT framework FROM models WHERE company IN ($company, '') AND project = $project AND framework <> '' ORDER BY framework",
                [company, ("$project", projectId)]),
            "models.get_frameworks"));
        queries.Add(new ModelQuery("projects.get_model_tags", "{}", false,
            new SqlQuery("""
                WITH RECURSIVE t(tag) AS (
                    SELECT (SELECT MIN(tag) FROM model_tags WHERE field = 0)
                    UNION ALL
                    SELECT (SELECT MIN(tag) FROM model_tags WHERE field = 0 AND tag > t.tag) FROM t WHERE t.tag IS NOT NULL)
                SELECT tag FROM t
                WHERE tag IS NOT NULL
                  AND EXISTS (SELECT 1 FROM model_tags x JOIN models m ON m.seq = x.model_seq
                              WHERE x.field = 0 AND x.tag = t.tag AND m.company IN ($company, ''))
                ORDER BY tag
                """, [company]),
            // A plain DISTINCT over the join reads every tag row (over a second here): the floor is the skip scan alone.
            new SqlQuery("""
                WITH RECURSIVE t(tag) AS (
                    SELECT (SELECT MIN(tag) FROM model_tags WHERE field = 0)
                    UNION ALL
                    SELECT (SELECT MIN(tag) FROM model_tags WHERE field = 0 AND tag > t.tag) FROM t WHERE t.tag IS NOT NULL)
                SELECT tag FROM t WHERE tag IS NOT NULL
                """, []),
            "projects.get_model_tags"));
        queries.Add(new ModelQuery("projects.get_model_tags, one project", new JsonObject { ["projects"] = new JsonArray(projectId) }.ToJsonString(), false,
            new SqlQuery("""
                SELECT DISTINCT t.tag FROM models m CROSS JOIN model_tags t
                WHERE m.project IN (SELECT value FROM json_each($projects)) AND m.company IN ($company, '')
                  AND t.model_seq = m.seq AND t.field = 0
                ORDER BY t.tag
                """, [company, projects]),
            new SqlQuery(
                "SELECT DISTINCT t.tag FROM models m CROSS JOIN model_tags t WHERE m.project = $project AND t.model_seq = m.seq AND t.field = 0 ORDER BY t.tag",
                [("$project", projectId)]),
            "projects.get_model_tags"));
    }

    private static string Json(params string[] values) => new JsonArray(values.Select(v => (JsonNode?)v).ToArray()).ToJsonString();

    /// <summary>
    /// Server-shaped scroll page: a scroll in natural order continues from a cursor, the last row's
    /// seq (SqliteModelStore.QueryAsync); the first page has no cursor term. seq is the last column.
    /// </summary>
    public static SqlQuery ScrollServerShaped(long? afterSeq, int size) => new(
        $"SELECT {AllColumns}, m.seq FROM models m WHERE {(afterSeq is null ? "" : "m.seq > $after AND ")}m.company IN ($company, '') AND 1 = 1 " +
        "ORDER BY m.seq LIMIT $take OFFSET $skip",
        [("$company", ModelCorpus.Company), ("$after", (object?)afterSeq ?? DBNull.Value), ("$take", size), ("$skip", 0)]);

    /// <summary>Hand-written scroll page: keyset paging on seq (the last column), which costs the same on every page.</summary>
    public static SqlQuery ScrollHand(long afterSeq, int size) => new(
        $"SELECT {AllColumns}, m.seq FROM models m WHERE m.company IN ($company, '') AND m.seq > $after ORDER BY m.seq LIMIT $take",
        [("$company", ModelCorpus.Company), ("$after", afterSeq), ("$take", size)]);
}
