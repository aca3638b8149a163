using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary>Model metadata: its endpoints, its version-dependent shape and key escaping (api.md §1.5, §3.3, §3.4).</summary>
public sealed class ModelsMetadataTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static object Item(string key, string value, string type = "str") => new { key, type, value };

    [Fact]
    public async Task Add_or_update_metadata_upserts_items_given_as_a_list()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Meta upsert", new { metadata = new Dictionary<string, object> { ["keep"] = Item("keep", "1", "int") } });
        var data = (await client.CallAsync("v2.23/models.add_or_update_metadata", new
        {
            model = id,
            metadata = new[] { Item("epochs", "10", "int"), Item("keep", "2", "int") },
            replace_metadata = false,
        })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());

        var metadata = (await client.GetModelAsync(id))["metadata"]!;
        Assert.Equal(["epochs", "keep"], metadata.Keys());
        Assert.Equal("10", metadata["epochs"]!["value"].Text());
        Assert.Equal("int", metadata["epochs"]!["type"].Text());
        Assert.Equal("epochs", metadata["epochs"]!["key"].Text());
        Assert.Equal("2", metadata["keep"]!["value"].Text());
    }

    [Fact]
    public async Task Replace_metadata_replaces_the_whole_map()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Meta replace", new { metadata = new Dictionary<string, object> { ["old"] = Item("old", "x") } });
        (await client.CallAsync("models.add_or_update_metadata", new { model = id, metadata = new[] { Item("new", "y") }, replace_metadata = true })).Ok();
        Assert.Equal(["new"], (await client.GetModelAsync(id))["metadata"].Keys());
    }

    [Fact]
    public async Task Add_or_update_metadata_bumps_last_update()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Meta bump");
        await StoreRows.SetModelLastUpdateAsync(_server, id, DateTimeOffset.UnixEpoch);
        Assert.StartsWith("1970-01-01", (await client.GetModelAsync(id))["last_update"].Text(), StringComparison.Ordinal);
        (await client.CallAsync("models.add_or_update_metadata", new { model = id, metadata = new[] { Item("k", "v") } })).Ok();
        var after = DateTimeOffset.Parse((await client.GetModelAsync(id))["last_update"].Text(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(after > DateTimeOffset.UtcNow.AddMinutes(-5), $"last_update {after:O} was not bumped");
    }

    [Fact]
    public async Task Add_or_update_metadata_validates_its_items()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Meta invalid");
        (await client.CallAsync("models.add_or_update_metadata", new { model = id, metadata = Array.Empty<object>() })).Fails(400, 12);
        (await client.CallAsync("models.add_or_update_metadata", new { model = id, metadata = new[] { Item("   ", "v") } })).Fails(400, 12);
        (await client.CallAsync("models.add_or_update_metadata", new { model = id, metadata = new { k = Item("k", "v") } })).Fails(400, 12);
        if ((await client.GetModelAsync(id))["metadata"] is { } metadata)
        {
            Assert.Empty(metadata.AsObject());
        }
    }

    [Fact]
    public async Task Delete_metadata_removes_the_named_keys()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Meta delete", new
        {
            metadata = new Dictionary<string, object> { ["a"] = Item("a", "1"), ["b"] = Item("b", "2"), ["c"] = Item("c", "3") },
        });
        var data = (await client.CallAsync("models.delete_metadata", new { model = id, keys = new[] { "a", "c" } })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());
        Assert.Equal(["b"], (await client.GetModelAsync(id))["metadata"].Keys());
        (await client.CallAsync("models.delete_metadata", new { model = id, keys = Array.Empty<string>() })).Fails(400, 12);
    }

    [Fact]
    public async Task Metadata_is_an_empty_list_up_to_2_16_and_a_dict_from_2_17()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Meta versions", new { metadata = new Dictionary<string, object> { ["epochs"] = Item("epochs", "3", "int") } });

        var old = await client.GetModelAsync(id, "v2.16/");
        Assert.Empty(Assert.IsType<JsonArray>(old["metadata"]));
        var oldListed = (await client.GetAllModelsAsync(new { id = new[] { id } }, "v2.16/models.get_all"))[0]!;
        Assert.Empty(Assert.IsType<JsonArray>(oldListed["metadata"]));

        var current = await client.GetModelAsync(id, "v2.17/");
        Assert.Equal("3", Assert.IsType<JsonObject>(current["metadata"])["epochs"]!["value"].Text());
        Assert.IsType<JsonObject>((await client.GetModelAsync(id, "v2.23/"))["metadata"]);
    }

    [Fact]
    public async Task Keys_with_reserved_characters_round_trip()
    {
        using var client = _server.Client();
        string[] keys = ["a.b", "$cost", "__private", "_lead", "50%", "x%2Ey"];
        var id = await client.CreateModelAsync("Meta escaping");
        (await client.CallAsync("models.add_or_update_metadata", new { model = id, metadata = keys.Select(k => Item(k, "v-" + k)).ToArray() })).Ok();

        var metadata = (await client.GetModelAsync(id))["metadata"]!;
        Assert.Equal(keys.Order(StringComparer.Ordinal), metadata.Keys());
        foreach (var key in keys)
        {
            Assert.Equal(key, metadata[key]!["key"].Text());
            Assert.Equal("v-" + key, metadata[key]!["value"].Text());
        }

        (await client.CallAsync("models.delete_metadata", new { model = id, keys = new[] { "a.b" } })).Ok();
        Assert.DoesNotContain("a.b", (await client.GetModelAsync(id))["metadata"].Keys());
    }

    [Fact]
    public async Task Keys_are_stripped()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Meta stripped");
        (await client.CallAsync("models.add_or_update_metadata", new { model = id, metadata = new[] { Item("  spaced  ", "v") } })).Ok();
        Assert.Equal(["spaced"], (await client.GetModelAsync(id))["metadata"].Keys());
    }

    [Fact]
    public async Task A_dotted_key_is_queried_by_its_escaped_path()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Meta dotted");
        var dotted = await client.CreateModelAsync("Dotted key", new { project });
        var plain = await client.CreateModelAsync("Nested lookalike", new { project });
        (await client.CallAsync("models.add_or_update_metadata", new { model = dotted, metadata = new[] { Item("a.b", "1") } })).Ok();
        (await client.CallAsync("models.add_or_update_metadata", new { model = plain, metadata = new[] { Item("a", "1"), Item("b", "1") } })).Ok();

        var found = await client.GetAllModelsAsync(new Dictionary<string, object>
        {
            ["project"] = new[] { project },
            ["metadata.a%2Eb.value"] = "1",
        });
        Assert.Equal([dotted], found.Ids());
    }
}
