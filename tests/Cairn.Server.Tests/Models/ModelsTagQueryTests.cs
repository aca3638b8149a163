using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary>The tag operators of get_all (api.md §4.2) and the <c>filters</c> parameter (§4.3), row by row.</summary>
public sealed class ModelsTagQueryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    /// <summary>The worked example: M1 [a,b], M2 [a], M3 [b,c], M4 (no tags), M5 [c], alone in a fresh project.</summary>
    private async Task<string> WorkedExampleAsync(ApiClient client)
    {
        var project = await client.CreateProjectAsync("Tag table");
        await client.CreateModelAsync("M1 model", new { project, tags = new[] { "a", "b" } });
        await client.CreateModelAsync("M2 model", new { project, tags = new[] { "a" } });
        await client.CreateModelAsync("M3 model", new { project, tags = new[] { "b", "c" } });
        await client.CreateModelAsync("M4 model", new { project });
        await client.CreateModelAsync("M5 model", new { project, tags = new[] { "c" } });
        return project;
    }

    private static async Task<string> QueryAsync(ApiClient client, string project, string field, JsonNode? value)
    {
        var body = new JsonObject
        {
            ["project"] = new JsonArray(project),
            [field] = value,
            ["order_by"] = new JsonArray("name"),
            ["only_fields"] = new JsonArray("name"),
        };
        var models = await client.GetAllModelsAsync(body);
        return string.Join(' ', models.Names().Select(n => n.Split(' ')[0]));
    }

    [Theory]
    [InlineData("""["a"]""", "M1 M2")]
    [InlineData("""["a","b"]""", "M1 M2 M3")]
    [InlineData("""["-a"]""", "M3 M4 M5")]
    [InlineData("""["a","-b"]""", "M2")]
    [InlineData("""["__$all","a","b"]""", "M1")]
    [InlineData("""["__$and","a","__$not","b"]""", "M2")]
    [InlineData("""["__$any","a","__$not","b"]""", "M1 M2 M4 M5")]
    [InlineData("""["__$not","a","__$not","c"]""", "M4")]
    [InlineData("""[null]""", "M4")]
    [InlineData("""["c",null]""", "M3 M4 M5")]
    [InlineData("""["a","__$and","b"]""", "M1")]
    [InlineData("""["__$or","c","__$and","a","b"]""", "M1 M3 M5")]
    [InlineData("""["__$all","a","b","__$or","c"]""", "")]
    [InlineData("""["__$any","-a"]""", "")]
    [InlineData("""["__$all","a","__$nop","-b"]""", "M2")]
    [InlineData("""["a","__$or","c"]""", "M1 M2 M3 M5")]
    [InlineData("""[]""", "M1 M2 M3 M4 M5")]
    public async Task Tags_select_the_models_of_the_worked_example(string tags, string expected)
    {
        using var client = _server.Client();
        var project = await WorkedExampleAsync(client);
        Assert.Equal(expected, await QueryAsync(client, project, "tags", JsonNode.Parse(tags)));
    }

    [Theory]
    [InlineData("""["__$foo"]""")]
    [InlineData("""["__$not"]""")]
    [InlineData("""[1]""")]
    [InlineData("""["a","__$not"]""")]
    [InlineData("""["__$not","__$all","a"]""")]
    [InlineData("""["-"]""")]
    [InlineData("""[{"a":1}]""")]
    public async Task Malformed_tag_values_are_400_16(string tags)
    {
        using var client = _server.Client();
        var body = new JsonObject { ["tags"] = JsonNode.Parse(tags) };
        (await client.CallAsync("models.get_all", body)).Fails(400, 16);
    }

    [Fact]
    public async Task A_scalar_tag_is_wrapped_and_a_null_parameter_is_ignored()
    {
        using var client = _server.Client();
        var project = await WorkedExampleAsync(client);
        Assert.Equal("M3 M5", await QueryAsync(client, project, "tags", JsonValue.Create("c")));
        Assert.Equal("M1 M2 M3 M4 M5", await QueryAsync(client, project, "tags", null));
    }

    [Fact]
    public async Task Tag_matching_is_exact_and_case_sensitive()
    {
        using var client = _server.Client();
        var project = await WorkedExampleAsync(client);
        Assert.Equal("", await QueryAsync(client, project, "tags", new JsonArray("A")));
        Assert.Equal("", await QueryAsync(client, project, "tags", new JsonArray("ab")));
    }

    [Fact]
    public async Task System_tags_use_the_same_operators()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("System tag ops");
        await client.CreateModelAsync("S1 model", new { project, system_tags = new[] { "archived", "x" } });
        await client.CreateModelAsync("S2 model", new { project, system_tags = new[] { "x" } });
        await client.CreateModelAsync("S3 model", new { project });
        Assert.Equal("S2 S3", await QueryAsync(client, project, "system_tags", new JsonArray("-archived")));
        Assert.Equal("S1", await QueryAsync(client, project, "system_tags", new JsonArray("__$all", "x", "archived")));
    }

    /// <summary>T1 tagged [test], T0 tagged [] (test_get_all_ex_filters.py).</summary>
    [Theory]
    [InlineData("""{"any":{"include":[null]}}""", "T0")]
    [InlineData("""{"any":{"include":["test"]}}""", "T1")]
    [InlineData("""{"any":{"include":["test",null]}}""", "T0 T1")]
    [InlineData("""{"any":{"exclude":[null]}}""", "T1")]
    [InlineData("""{"any":{"exclude":["test"]}}""", "T0")]
    [InlineData("""{"any":{"exclude":["test",null]}}""", "T0 T1")]
    [InlineData("""{"all":{"include":[null]}}""", "T0")]
    [InlineData("""{"all":{"include":["test",null]}}""", "")]
    [InlineData("""{"all":{"exclude":[null]}}""", "T1")]
    [InlineData("""{"all":{"exclude":["test"]}}""", "T0")]
    [InlineData("""{"all":{"exclude":["test",null]}}""", "")]
    public async Task Filters_on_a_tagged_and_an_untagged_model(string filter, string expected)
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Filters T");
        await client.CreateModelAsync("T1 model", new { project, tags = new[] { "test" } });
        await client.CreateModelAsync("T0 model", new { project, tags = Array.Empty<string>() });
        foreach (var endpoint in new[] { "models.get_all", "models.get_all_ex" })
        {
            Assert.Equal(expected, await FilterAsync(client, project, filter, endpoint));
        }
    }

    /// <summary>F0..F4 tagged [], [a], [a,b], [a,b,c], [a,b,c,d].</summary>
    [Theory]
    [InlineData("""{"any":{"include":["a","b"]}}""", "F1 F2 F3 F4")]
    [InlineData("""{"any":{"exclude":["c","d"]}}""", "F0 F1 F2 F3")]
    [InlineData("""{"all":{"include":["a","b"]}}""", "F2 F3 F4")]
    [InlineData("""{"all":{"exclude":["c","d"]}}""", "F0 F1 F2")]
    [InlineData("""{"all":{"include":["a","b"],"exclude":["c","d"]}}""", "F2")]
    [InlineData("""{"any":{"include":["a","b"]},"all":{"exclude":["c","d"]}}""", "F1 F2")]
    [InlineData("""{"any":{"include":["a","b"]},"all":{"exclude":["c","d"]},"op":"and"}""", "F1 F2")]
    [InlineData("""{"any":{"include":["d"]},"all":{"include":["a","b"],"exclude":["c"]},"op":"or"}""", "F2 F4")]
    public async Task Filters_on_five_nested_tag_sets(string filter, string expected)
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Filters F");
        string[][] tagSets = [[], ["a"], ["a", "b"], ["a", "b", "c"], ["a", "b", "c", "d"]];
        for (var i = 0; i < tagSets.Length; i++)
        {
            await client.CreateModelAsync($"F{i} model", new { project, tags = tagSets[i] });
        }
        Assert.Equal(expected, await FilterAsync(client, project, filter, "models.get_all"));
    }

    [Fact]
    public async Task Filters_combine_with_the_other_conditions()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Filters and");
        await client.CreateModelAsync("C1 model", new { project, tags = new[] { "a" }, framework = "Keras" });
        await client.CreateModelAsync("C2 model", new { project, tags = new[] { "a" }, framework = "PyTorch" });
        var body = new JsonObject
        {
            ["project"] = new JsonArray(project),
            ["framework"] = new JsonArray("Keras"),
            ["filters"] = JsonNode.Parse("""{"tags":{"any":{"include":["a"]}}}"""),
        };
        Assert.Equal(["C1 model"], (await client.GetAllModelsAsync(body)).Names());
    }

    [Theory]
    [InlineData("""{"tags":{"any":{"include":["a"]},"op":"xor"}}""")]
    [InlineData("""{"tags":{"some":{"include":["a"]}}}""")]
    [InlineData("""{"tags":{"any":{"contains":["a"]}}}""")]
    [InlineData("""{"tags":"a"}""")]
    [InlineData("""{"tags":["a"]}""")]
    [InlineData("\"tags\"")]
    public async Task Malformed_filters_are_400_12(string filters)
    {
        using var client = _server.Client();
        var body = new JsonObject { ["filters"] = JsonNode.Parse(filters) };
        (await client.CallAsync("models.get_all", body)).Fails(400, 12);
        (await client.CallAsync("models.get_all_ex", body.DeepClone())).Fails(400, 12);
    }

    private static async Task<string> FilterAsync(ApiClient client, string project, string filter, string endpoint)
    {
        var body = new JsonObject
        {
            ["project"] = new JsonArray(project),
            ["filters"] = new JsonObject { ["tags"] = JsonNode.Parse(filter) },
            ["order_by"] = new JsonArray("name"),
            ["only_fields"] = new JsonArray("name"),
        };
        var models = await client.GetAllModelsAsync(body, endpoint);
        return string.Join(' ', models.Names().Select(n => n.Split(' ')[0]));
    }
}
