using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary>
/// models.get_all query semantics (api.md §4): list fields, patterns (§4.4), <c>_any_</c>/<c>_all_</c> (§4.5),
/// ranges and datetimes (§4.6), ordering (§4.7) and projection (§4.9). Each test works in its own project.
/// </summary>
public sealed class ModelsQueryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static readonly DateTimeOffset Early = new(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset Late = new(2022, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The names of the models of <paramref name="project"/> matching <paramref name="query"/>, ordered by name unless it says otherwise.</summary>
    private static async Task<List<string>> NamesAsync(ApiClient client, string project, object query, string endpoint = "models.get_all")
    {
        var body = ModelsApi.Body(query);
        body["project"] = new JsonArray(project);
        if (!body.ContainsKey("order_by"))
        {
            body["order_by"] = new JsonArray("name");
        }
        return (await client.GetAllModelsAsync(body, endpoint)).Names();
    }

    private static string Iso(DateTimeOffset value) => value.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", System.Globalization.CultureInfo.InvariantCulture);

    // §4.1 / §3.3 list fields

    [Fact]
    public async Task Scalar_list_fields_match_any_of_the_given_values()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query lists");
        var task = await StoreRows.InsertTaskAsync(_server);
        var parent = await client.CreateModelAsync("List parent", new { project, framework = "Keras", uri = "s3://bucket/parent.bin" });
        var child = await client.CreateModelAsync("List child", new { project, parent, task, framework = "PyTorch", uri = "s3://bucket/child.bin" });
        var other = await client.CreateModelAsync("List other", new { project, framework = "PyTorch", uri = "s3://bucket/other.bin" });

        Assert.Equal(["List child", "List parent"], await NamesAsync(client, project, new { id = new[] { parent, child, ModelsApi.MissingId } }));
        Assert.Equal(["List child", "List other"], await NamesAsync(client, project, new { framework = new[] { "PyTorch" } }));
        Assert.Equal(["List parent"], await NamesAsync(client, project, new { framework = new[] { "-PyTorch" } }));
        Assert.Equal(["List other", "List parent"], await NamesAsync(client, project, new { id = new[] { "-" + child } }));
        Assert.Equal(["List child"], await NamesAsync(client, project, new { parent = new[] { parent } }));
        Assert.Equal(["List child"], await NamesAsync(client, project, new { task = new[] { task } }));
        Assert.Equal(["List other"], await NamesAsync(client, project, new { uri = new[] { "s3://bucket/other.bin" }, system_tags = new[] { "-archived" } }));
        Assert.Empty(await NamesAsync(client, project, new { uri = "s3://bucket/other" }));
        Assert.Equal([other], (await client.GetAllModelsAsync(new { project, framework = "PyTorch", name = "other" })).Ids());

        var user = (await client.GetModelAsync(parent))["user"].Text();
        Assert.Equal(3, (await NamesAsync(client, project, new { user = new[] { user } })).Count);
        Assert.Empty(await NamesAsync(client, project, new { user = new[] { ModelsApi.MissingId } }));
    }

    [Fact]
    public async Task The_sdks_task_models_query_finds_models_by_their_task()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server);
        var first = await client.CreateModelAsync("Task model one", new { task });
        var second = await client.CreateModelAsync("Task model two", new { task });
        await client.CreateModelAsync("Not the task's model");
        var found = await client.GetAllModelsAsync(new { task = new[] { task }, order_by = new[] { "created" }, only_fields = new[] { "id" } });
        Assert.Equal([first, second], found.Ids());
    }

    [Fact]
    public async Task Include_subprojects_expands_the_project_filter_to_descendants()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query tree");
        var name = (await client.CallAsync("projects.get_by_id", new { project })).Ok()["project"]!["name"].Text();
        var sub = (await client.CallAsync("projects.create", new { name = name + "/child/grandchild" })).Ok()["id"].Text();
        await client.CreateModelAsync("Tree top", new { project });
        await client.CreateModelAsync("Tree deep", new { project = sub });
        Assert.Equal(["Tree top"], await NamesAsync(client, project, new { }));
        Assert.Equal(["Tree deep", "Tree top"], await NamesAsync(client, project, new { include_subprojects = true }));
    }

    [Fact]
    public async Task Ready_is_an_equality_filter()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query ready");
        await client.CreateModelAsync("Ready one", new { project });
        await client.CreateModelAsync("Draft one", new { project, ready = false });
        Assert.Equal(["Draft one"], await NamesAsync(client, project, new { ready = false }));
        Assert.Equal(["Ready one"], await NamesAsync(client, project, new { ready = true }));
    }

    [Fact]
    public async Task Metadata_values_filter_like_list_fields()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query metadata");
        foreach (var (name, epochs) in new[] { ("Epochs 10", "10"), ("Epochs 20", "20") })
        {
            await client.CreateModelAsync(name, new
            {
                project,
                metadata = new Dictionary<string, object> { ["epochs"] = new { key = "epochs", type = "int", value = epochs } },
            });
        }
        await client.CreateModelAsync("Epochs none", new { project });
        Task<List<string>> Query(string path, object value) => NamesAsync(client, project, new Dictionary<string, object> { [path] = value });

        Assert.Equal(["Epochs 10"], await Query("metadata.epochs.value", "10"));
        Assert.Equal(["Epochs 10", "Epochs 20"], await Query("metadata.epochs.value", new[] { "10", "20" }));
        Assert.Equal(["Epochs 20", "Epochs none"], await Query("metadata.epochs.value", new[] { "-10" }));
        Assert.Equal(["Epochs 10", "Epochs 20"], await Query("metadata.epochs.type", new[] { "int" }));
        Assert.Empty(await Query("metadata.epochs.value", new[] { "1" }));
    }

    // §4.4 pattern fields

    [Fact]
    public async Task Name_is_an_unanchored_case_sensitive_regex()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query names");
        foreach (var name in new[] { "my model-1", "my model-10", "My Model-2", "abc first", "xabc second" })
        {
            await client.CreateModelAsync(name, new { project });
        }
        Assert.Equal(["my model-1", "my model-10"], await NamesAsync(client, project, new { name = "model-1" }));
        Assert.Equal(["My Model-2"], await NamesAsync(client, project, new { name = "Model" }));
        Assert.Equal(["abc first"], await NamesAsync(client, project, new { name = "^abc" }));
        Assert.Equal(["abc first", "xabc second"], await NamesAsync(client, project, new { name = "abc" }));
        Assert.Equal(5, (await NamesAsync(client, project, new { name = "" })).Count);
    }

    [Fact]
    public async Task The_sdks_escaped_exact_name_matches_only_that_name()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query exact");
        await client.CreateModelAsync("my model-1", new { project });
        await client.CreateModelAsync("my model-10", new { project });
        await client.CreateModelAsync("weird #1 (v2) [x]", new { project });
        // Python's re.escape("my model-1"), as Model.query_models sends it.
        Assert.Equal(["my model-1"], await NamesAsync(client, project, new { name = "^my\\ model\\-1$" }));
        Assert.Equal(["weird #1 (v2) [x]"], await NamesAsync(client, project, new { name = "^weird\\ \\#1\\ \\(v2\\)\\ \\[x\\]$" }));
    }

    [Fact]
    public async Task Comment_is_a_regex_too()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query comments");
        await client.CreateModelAsync("Commented A", new { project, comment = "trained on CIFAR-10" });
        await client.CreateModelAsync("Commented B", new { project, comment = "trained on cifar-100" });
        await client.CreateModelAsync("Uncommented", new { project });
        Assert.Equal(["Commented A"], await NamesAsync(client, project, new { comment = "CIFAR-1\\d$" }));
        Assert.Equal(["Commented A", "Commented B"], await NamesAsync(client, project, new { comment = "^trained" }));
    }

    [Theory]
    [InlineData("name")]
    [InlineData("comment")]
    public async Task A_bad_regex_is_400_21(string field)
    {
        using var client = _server.Client();
        (await client.CallAsync("models.get_all", new Dictionary<string, object> { [field] = "(" })).Fails(400, 21);
        (await client.CallAsync("models.get_all", new Dictionary<string, object> { [field] = "[a-" })).Fails(400, 21);
    }

    // §4.5 _any_ / _all_

    [Fact]
    public async Task Any_and_all_match_a_case_insensitive_pattern_over_several_fields()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query any all");
        await client.CreateModelAsync("Alpha one", new { project, comment = "shared word" });
        await client.CreateModelAsync("beta two", new { project, comment = "ALPHA mention" });
        await client.CreateModelAsync("gamma three", new { project, comment = "other" });
        await client.CreateModelAsync("alpha four", new { project, comment = "alpha again", tags = new[] { "Special" } });
        var fields = new[] { "name", "comment" };

        Assert.Equal(["Alpha one", "alpha four", "beta two"], await NamesAsync(client, project, new { _any_ = new { fields, pattern = "alpha" } }));
        Assert.Equal(["Alpha one", "alpha four", "beta two"], await NamesAsync(client, project, new { _or_ = new { fields, pattern = "ALPHA" } }));
        Assert.Equal(["alpha four"], await NamesAsync(client, project, new { _all_ = new { fields, pattern = "alpha" } }));
        Assert.Equal(["alpha four"], await NamesAsync(client, project, new { _and_ = new { fields, pattern = "^ALPHA" } }));
        Assert.Equal(["alpha four"], await NamesAsync(client, project, new { _any_ = new { fields = new[] { "tags" }, pattern = "^special$" } }));
        Assert.Equal(4, (await NamesAsync(client, project, new { _any_ = new { fields = Array.Empty<string>(), pattern = "nothing" } })).Count);
    }

    [Fact]
    public async Task Any_with_a_datetime_applies_to_the_datetime_fields_listed()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query any datetime");
        var early = await client.CreateModelAsync("Early update", new { project });
        var late = await client.CreateModelAsync("Late update", new { project });
        await StoreRows.SetModelLastUpdateAsync(_server, early, Early);
        await StoreRows.SetModelLastUpdateAsync(_server, late, Late);
        var middle = Iso(new DateTimeOffset(2021, 6, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(["Late update"], await NamesAsync(client, project, new { _any_ = new { fields = new[] { "last_update", "name" }, datetime = ">=" + middle } }));
        Assert.Equal(["Early update"], await NamesAsync(client, project, new { _all_ = new { fields = new[] { "last_update" }, datetime = new[] { "<" + middle } } }));
    }

    [Fact]
    public async Task Any_needs_exactly_one_of_pattern_and_datetime()
    {
        using var client = _server.Client();
        (await client.CallAsync("models.get_all", new { _any_ = new { fields = new[] { "name" }, pattern = "a", datetime = ">=2020-01-01" } })).Fails(400, 12);
        (await client.CallAsync("models.get_all", new { _all_ = new { fields = new[] { "name" } } })).Fails(400, 12);
    }

    // §4.6 ranges and datetimes

    [Fact]
    public async Task Created_filters_by_an_inclusive_range_with_open_ends()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query created");
        var old = await client.CreateModelAsync("Created 2020-01", new { project });
        var mid = await client.CreateModelAsync("Created 2020-06", new { project });
        await client.CreateModelAsync("Created now", new { project });
        (await client.CallAsync("models.update", new { model = old, created = "2020-01-15T00:00:00+00:00" })).Ok();
        (await client.CallAsync("models.update", new { model = mid, created = "2020-06-15T00:00:00+00:00" })).Ok();

        Assert.Equal(["Created 2020-01", "Created 2020-06"], await NamesAsync(client, project, new { created = new[] { "2020-01-01T00:00:00+00:00", "2020-12-31T00:00:00+00:00" } }));
        Assert.Equal(["Created 2020-01", "Created 2020-06"], await NamesAsync(client, project, new { created = new[] { "2020-01-15T00:00:00+00:00", "2020-06-15T00:00:00+00:00" } }));
        Assert.Equal(["Created 2020-01"], await NamesAsync(client, project, new { created = new[] { null, "2020-03-01T00:00:00+00:00" } }));
        Assert.Equal(["Created 2020-06", "Created now"], await NamesAsync(client, project, new { created = new[] { "2020-03-01T00:00:00+00:00", null } }));
        Assert.Equal(["Created 2020-06"], await NamesAsync(client, project, new { created = new[] { "2020-03-01", "2020-12-31" } }));
    }

    [Fact]
    public async Task Last_iteration_filters_by_an_inclusive_range()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query iterations");
        await client.CreateModelAsync("Iteration 0", new { project });
        var five = await client.CreateModelAsync("Iteration 5", new { project });
        var ten = await client.CreateModelAsync("Iteration 10", new { project });
        await StoreRows.SetModelLastIterationAsync(_server, five, 5);
        await StoreRows.SetModelLastIterationAsync(_server, ten, 10);

        Assert.Equal(["Iteration 10", "Iteration 5"], await NamesAsync(client, project, new { last_iteration = new[] { 5, 10 } }));
        Assert.Equal(["Iteration 0", "Iteration 5"], await NamesAsync(client, project, new { last_iteration = new int?[] { null, 5 } }));
        Assert.Equal(["Iteration 10"], await NamesAsync(client, project, new { last_iteration = new int?[] { 6, null } }));
    }

    [Theory]
    [InlineData("created", """["2020-01-01T00:00:00"]""")]
    [InlineData("created", """[null,null]""")]
    [InlineData("last_iteration", """5""")]
    [InlineData("last_iteration", """[1,2,3]""")]
    [InlineData("last_iteration", """[null,null]""")]
    [InlineData("last_iteration", """{"min":1}""")]
    public async Task A_range_of_the_wrong_shape_is_400_12(string field, string value)
    {
        using var client = _server.Client();
        (await client.CallAsync("models.get_all", new JsonObject { [field] = JsonNode.Parse(value) })).Fails(400, 12);
    }

    [Fact]
    public async Task Last_update_takes_operator_conditions_lists_and_ranges()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query last update");
        var early = await client.CreateModelAsync("Updated early", new { project });
        var late = await client.CreateModelAsync("Updated late", new { project });
        await StoreRows.SetModelLastUpdateAsync(_server, early, Early);
        await StoreRows.SetModelLastUpdateAsync(_server, late, Late);
        var middle = Iso(new DateTimeOffset(2021, 6, 1, 0, 0, 0, TimeSpan.Zero));
        Task<List<string>> Query(object lastUpdate) => NamesAsync(client, project, new { last_update = lastUpdate });

        Assert.Equal(["Updated late"], await Query(">=" + middle));
        Assert.Equal(["Updated late"], await Query(">" + Iso(Early)));
        Assert.Equal(["Updated early", "Updated late"], await Query(">=" + Iso(Early)));
        Assert.Equal(["Updated early"], await Query(new[] { "<" + middle }));
        Assert.Equal(["Updated early"], await Query(new[] { ">=" + Iso(Early.AddDays(-1)), "<=" + Iso(Early) }));
        Assert.Equal(["Updated early"], await Query(Iso(Early)));
        Assert.Equal(["Updated late"], await Query(new[] { middle, Iso(Late.AddDays(1)) }));
        Assert.Empty(await Query(new[] { ">=" + middle, "<" + middle }));
        Assert.Equal(["Updated early", "Updated late"], await Query(new[] { ">=not a date" }));
    }

    [Fact]
    public async Task Last_change_is_a_datetime_field_too()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query last change");
        await client.CreateModelAsync("Changed now", new { project });
        Assert.Equal(["Changed now"], await NamesAsync(client, project, new { last_change = ">=" + Iso(DateTimeOffset.UtcNow.AddHours(-1)) }));
        Assert.Empty(await NamesAsync(client, project, new { last_change = ">=" + Iso(DateTimeOffset.UtcNow.AddHours(1)) }));
    }

    // §4.7 ordering

    [Fact]
    public async Task Names_order_in_binary_code_point_order_both_ways()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query binary order");
        foreach (var name in new[] { "a-model", "B-model", "9 model", "10 model" })
        {
            await client.CreateModelAsync(name, new { project });
        }
        Assert.Equal(["10 model", "9 model", "B-model", "a-model"], await NamesAsync(client, project, new { order_by = new[] { "name" } }));
        Assert.Equal(["a-model", "B-model", "9 model", "10 model"], await NamesAsync(client, project, new { order_by = new[] { "-name" } }));
        Assert.Equal(["10 model", "9 model", "B-model", "a-model"], await NamesAsync(client, project, new { order_by = "name" }));
    }

    [Fact]
    public async Task Ascending_order_puts_models_without_the_field_last()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query empties");
        var none1 = await client.CreateModelAsync("No comment 1", new { project });
        await client.CreateModelAsync("Comment b", new { project, comment = "bbb" });
        var none2 = await client.CreateModelAsync("No comment 2", new { project });
        await client.CreateModelAsync("Comment a", new { project, comment = "aaa" });
        var emptiesById = new[] { (none1, "No comment 1"), (none2, "No comment 2") }.OrderBy(p => p.Item1, StringComparer.Ordinal).Select(p => p.Item2).ToList();

        Assert.Equal(["Comment a", "Comment b", .. emptiesById], await NamesAsync(client, project, new { order_by = new[] { "comment" } }));
        Assert.Equal(["Comment b", "Comment a", .. emptiesById], await NamesAsync(client, project, new { order_by = new[] { "-comment" } }));
        // Paging runs across both parts.
        Assert.Equal(["Comment b"], await NamesAsync(client, project, new { order_by = new[] { "comment" }, page = 1, page_size = 1 }));
        Assert.Equal([emptiesById[0]], await NamesAsync(client, project, new { order_by = new[] { "comment" }, page = 2, page_size = 1 }));
    }

    [Fact]
    public async Task Id_breaks_ties_in_ascending_order()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query ties");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await client.CreateModelAsync("Same name", new { project }));
        }
        var ascending = ids.Order(StringComparer.Ordinal).ToList();
        async Task<List<string>> Ids(object orderBy) =>
            (await client.GetAllModelsAsync(new { project = new[] { project }, order_by = orderBy, only_fields = new[] { "id" } })).Ids();

        Assert.Equal(ascending, await Ids(new[] { "name" }));
        Assert.Equal(ascending, await Ids(new[] { "-name" }));
        Assert.Equal(ascending.AsEnumerable().Reverse(), await Ids(new[] { "-id" }));
        Assert.Equal(ascending.AsEnumerable().Reverse(), await Ids(new[] { "name", "-id" }));
    }

    [Fact]
    public async Task Metadata_values_order_numerically_aware()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query natural order");
        foreach (var value in new[] { "10", "9", "100", "2" })
        {
            await client.CreateModelAsync($"Value {value}", new
            {
                project,
                metadata = new Dictionary<string, object> { ["n"] = new { key = "n", type = "int", value } },
            });
        }
        Assert.Equal(["Value 2", "Value 9", "Value 10", "Value 100"], await NamesAsync(client, project, new { order_by = new[] { "metadata.n.value" } }));
        Assert.Equal(["Value 100", "Value 10", "Value 9", "Value 2"], await NamesAsync(client, project, new { order_by = new[] { "-metadata.n.value" } }));
    }

    [Fact]
    public async Task Created_orders_newest_first_as_the_sdk_asks()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query by created");
        var older = await client.CreateModelAsync("Older model", new { project });
        var newer = await client.CreateModelAsync("Newer model", new { project });
        var oldest = await client.CreateModelAsync("Oldest model", new { project });
        (await client.CallAsync("models.update", new { model = older, created = "2020-02-01T00:00:00+00:00" })).Ok();
        (await client.CallAsync("models.update", new { model = newer, created = "2020-03-01T00:00:00+00:00" })).Ok();
        (await client.CallAsync("models.update", new { model = oldest, created = "2020-01-01T00:00:00+00:00" })).Ok();
        var found = await client.GetAllModelsAsync(new { project = new[] { project }, only_fields = new[] { "id", "created", "system_tags" }, order_by = new[] { "-created" }, page = 0, page_size = 500 });
        Assert.Equal([newer, older, oldest], found.Ids());
    }

    [Fact]
    public async Task Without_order_by_models_come_back_in_creation_order()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query natural");
        var ids = new List<string>();
        foreach (var name in new[] { "zzz model", "aaa model", "mmm model" })
        {
            ids.Add(await client.CreateModelAsync(name, new { project }));
        }
        Assert.Equal(ids, (await client.GetAllModelsAsync(new { project = new[] { project } })).Ids());
    }

    // §4.9 projection

    [Fact]
    public async Task Only_fields_returns_exactly_the_listed_fields_without_adding_id()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query projection");
        await client.CreateModelAsync("Projected", new
        {
            project,
            tags = new[] { "t" },
            comment = "c",
            metadata = new Dictionary<string, object> { ["epochs"] = new { key = "epochs", type = "int", value = "10" } },
        });
        async Task<JsonObject> Single(object onlyFields) =>
            Assert.Single(await client.GetAllModelsAsync(new { project = new[] { project }, only_fields = onlyFields }))!.AsObject();

        Assert.Equal(["name", "tags"], (await Single(new[] { "name", "tags" })).Keys());
        Assert.Equal(["created", "id", "system_tags"], (await Single(new[] { "id", "created", "system_tags" })).Keys());
        var nested = await Single(new[] { "metadata.epochs.value" });
        Assert.Equal(["metadata"], nested.Keys());
        Assert.Equal(["value"], nested["metadata"]!["epochs"].Keys());
    }

    [Fact]
    public async Task A_minus_in_only_fields_excludes_a_field_and_hidden_fields_stay_hidden()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Query exclusion");
        await client.CreateModelAsync("Excluded comment", new { project, comment = "c", ui_cache = new { x = 1 } });
        var full = Assert.Single(await client.GetAllModelsAsync(new { project = new[] { project } }))!.AsObject();
        Assert.True(full.ContainsKey("comment"));
        Assert.False(full.ContainsKey("ui_cache"));
        Assert.False(full.ContainsKey("company_origin"));

        var excluded = Assert.Single(await client.GetAllModelsAsync(new { project = new[] { project }, only_fields = new[] { "-comment" } }))!.AsObject();
        Assert.False(excluded.ContainsKey("comment"));
        Assert.False(excluded.ContainsKey("ui_cache"));
        Assert.True(excluded.ContainsKey("id"));
        Assert.True(excluded.ContainsKey("name"));
        Assert.True(excluded.ContainsKey("uri"));
    }
}
