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
internal sealed record ModelQuery(string Name, string Body, bool Filtered, SqlQuery ServerShaped, SqlQuery Hand)
{
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
    public static IReadOnlyList<ModelQuery> All(ModelCorpus corpus)
    {
        var tag = ModelCorpus.Tags[7];
        var other = ModelCorpus.Tags[13];
        var dataset = ModelCorpus.Datasets[0];
        var nameRegex = "^" + ModelCorpus.PythonReEscape(corpus.SampleName) + "$";
        var company = ("$company", (object)ModelCorpus.Company);
        static string Json(params string[] values) => new JsonArray(values.Select(v => (JsonNode?)v).ToArray()).ToJsonString();

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
            "AND m.seq NOT IN (SELECT model_seq FROM model_tags WHERE field = 0 AND tag IN (SELECT value FROM json_each($q1))))",
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
        return queries;
    }

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
