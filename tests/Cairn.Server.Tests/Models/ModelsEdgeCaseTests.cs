using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary>Inputs at the edges: oversized queries, astral characters, odd metadata keys, empties.</summary>
public sealed class ModelsEdgeCaseTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    public static TheoryData<string> OversizedQueries()
    {
        static string List(Func<int, string> item) => string.Join(',', Enumerable.Range(0, 1100).Select(item));
        return new TheoryData<string>
        {
            "{\"last_update\":[" + List(_ => "\">2020-01-01\"") + "]}",
            "{" + List(i => $"\"metadata.k{i}.value\":\"x\"") + "}",
            "{\"tags\":[\"__$all\"," + List(i => $"\"t{i}\"") + "]}",
            "{\"filters\":{\"tags\":{\"any\":{\"include\":[" + List(i => $"\"t{i}\"") + "]}}}}",
            "{\"_any_\":{\"fields\":[" + List(_ => "\"name\"") + "],\"pattern\":\"x\"}}",
        };
    }

    [Theory]
    [MemberData(nameof(OversizedQueries))]
    public async Task Oversized_queries_are_answered_or_refused_as_client_errors(string body)
    {
        using var client = _server.Client();
        var response = await client.SendAsync("models.get_all", body, "application/json");
        Assert.True(response.Code == 200 || (response.Code, response.Subcode) == (400, 12), $"{response.Code}/{response.Subcode}: {response.Message}");
    }

    [Fact]
    public async Task More_than_32_sort_keys_are_400_12_and_repeated_keys_count_once()
    {
        using var client = _server.Client();
        var many = new JsonArray(Enumerable.Range(0, 33).Select(i => (JsonNode?)$"metadata.k{i}.value").ToArray());
        (await client.CallAsync("models.get_all", new JsonObject { ["order_by"] = many })).Fails(400, 12);
        var repeated = new JsonArray(Enumerable.Range(0, 100).Select(_ => (JsonNode?)"name").ToArray());
        (await client.CallAsync("models.get_all", new JsonObject { ["order_by"] = repeated, ["page_size"] = 1 })).Ok();
    }

    [Theory]
    [InlineData("😀+")]
    [InlineData("^emoji 😀*")]
    [InlineData(" 😀?😀 model")]
    public async Task A_quantified_astral_character_still_matches(string pattern)
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Emoji");
        var id = await client.CreateModelAsync("emoji 😀😀 model", new { project });
        var found = await client.GetAllModelsAsync(new { project = new[] { project }, name = pattern, only_fields = new[] { "id" } });
        Assert.Equal([id], found.Ids());
    }

    [Fact]
    public async Task Metadata_key_field_filters_on_the_entrys_own_key()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Metadata key");
        var id = await client.CreateModelAsync("metadata key model", new { project, metadata = new { dk = new { key = "ik", type = "str", value = "v" } } });
        var byItemKey = Body(project, ("metadata.dk.key", "ik"));
        Assert.Equal([id], (await client.GetAllModelsAsync(byItemKey)).Ids());
        Assert.Empty(await client.GetAllModelsAsync(Body(project, ("metadata.dk.key", "dk"))));
    }

    [Fact]
    public async Task Metadata_paths_in_filters_and_any_are_escaped_like_top_level_ones()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Metadata escaping");
        var id = await client.CreateModelAsync("escaped key model", new { project, metadata = new JsonObject { ["my__key"] = new JsonObject { ["type"] = "str", ["value"] = "v" } } });
        await client.CreateModelAsync("other model", new { project });

        var filters = new JsonObject
        {
            ["project"] = new JsonArray(project),
            ["filters"] = new JsonObject { ["metadata.my__key.value"] = new JsonObject { ["any"] = new JsonObject { ["include"] = new JsonArray("v") } } },
        };
        Assert.Equal([id], (await client.GetAllModelsAsync(filters)).Ids());
        var any = new JsonObject
        {
            ["project"] = new JsonArray(project),
            ["_any_"] = new JsonObject { ["fields"] = new JsonArray("metadata.my__key.value"), ["pattern"] = "^v$" },
        };
        Assert.Equal([id], (await client.GetAllModelsAsync(any)).Ids());
    }

    [Fact]
    public async Task Null_in_a_scalar_list_filter_means_missing_not_empty_text()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Empty uri");
        await client.CreateModelAsync("empty uri model", new { project, uri = "" });
        var noComment = await client.CreateModelAsync("no comment model", new { project });
        await client.CreateModelAsync("blank comment model", new { project, comment = "" });

        Assert.Empty(await client.GetAllModelsAsync(new JsonObject { ["project"] = new JsonArray(project), ["uri"] = new JsonArray((JsonNode?)null) }));
        var byParent = await client.GetAllModelsAsync(new JsonObject { ["project"] = new JsonArray(project), ["parent"] = new JsonArray((JsonNode?)null), ["only_fields"] = new JsonArray("id") });
        Assert.Contains(noComment, byParent.Ids());
        Assert.Equal(3, byParent.Count);
    }

    [Fact]
    public async Task Include_subprojects_keeps_exclusions_for_the_subtree()
    {
        using var client = _server.Client();
        var parentName = ModelsApi.Unique("Subtree");
        var parent = (await client.CallAsync("projects.create", new { name = parentName })).Ok()["id"]!.GetValue<string>();
        var child = (await client.CallAsync("projects.create", new { name = parentName + "/child" })).Ok()["id"]!.GetValue<string>();
        var other = await client.CreateProjectAsync("Outside");
        var inParent = await client.CreateModelAsync("parent model", new { project = parent });
        var inChild = await client.CreateModelAsync("child model", new { project = child });
        var outside = await client.CreateModelAsync("outside model", new { project = other });

        foreach (var exclusion in new[] { new JsonArray("__$not", parent), new JsonArray("-" + parent) })
        {
            var body = new JsonObject
            {
                ["id"] = new JsonArray(inParent, inChild, outside),
                ["project"] = exclusion,
                ["include_subprojects"] = true,
                ["only_fields"] = new JsonArray("id"),
            };
            Assert.Equal([outside], (await client.GetAllModelsAsync(body)).Ids());
        }
        var included = new JsonObject { ["project"] = new JsonArray(parent), ["include_subprojects"] = true, ["order_by"] = new JsonArray("name"), ["only_fields"] = new JsonArray("id") };
        Assert.Equal([inChild, inParent], (await client.GetAllModelsAsync(included)).Ids());
    }

    [Fact]
    public async Task Update_tags_with_empty_lists_and_delete_metadata_with_a_blank_key_are_400_12()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("tags model", new { metadata = new { k = new { type = "str", value = "v" } } });
        (await client.CallAsync("models.update_tags", new { ids = new[] { id }, add_tags = Array.Empty<string>(), remove_tags = Array.Empty<string>() })).Fails(400, 12);
        (await client.CallAsync("models.delete_metadata", new { model = id, keys = new[] { "  " } })).Fails(400, 12);
        Assert.Equal(["k"], (await client.GetModelAsync(id))["metadata"].Keys());
    }

    [Fact]
    public async Task Update_for_task_refuses_duplicate_label_values_from_the_task()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, execution: new { model_labels = new { d = 2, e = 2 } });
        (await client.CallAsync("v2.13/models.update_for_task", new { task, uri = "s3://b/w.bin" })).Fails(400, 800);
    }

    [Fact]
    public async Task Get_all_ex_joins_task_parent_and_company_names()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Joins");
        var task = await StoreRows.InsertTaskAsync(_server, name: "joined task");
        var parent = await client.CreateModelAsync("joined parent", new { project });
        var child = await client.CreateModelAsync("joined child", new { project, task, parent });
        var body = new { id = new[] { child, parent }, order_by = new[] { "name" }, only_fields = new[] { "task.name", "parent.name", "company.name" } };
        var models = await client.GetAllModelsAsync(body, "models.get_all_ex");

        var joined = models[0]!;
        Assert.Equal(child, joined["id"].Text());
        Assert.Equal("joined task", joined["task"]!["name"].Text());
        Assert.Equal(task, joined["task"]!["id"].Text());
        Assert.Equal("joined parent", joined["parent"]!["name"].Text());
        Assert.Equal("clearml", joined["company"]!["name"].Text());
        Assert.True(models[1]!["task"] is null or JsonObject { Count: 0 }, "a model without a task has no task name");
    }

    private static JsonObject Body(string project, (string Key, string Value) filter) => new()
    {
        ["project"] = new JsonArray(project),
        [filter.Key] = filter.Value,
        ["only_fields"] = new JsonArray("id"),
    };
}
