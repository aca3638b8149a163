using System.Text.Json.Nodes;
using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Projects;

/// <summary><c>projects.get_model_tags</c>, the tag menu of ClearML's models table, over HTTP.</summary>
public sealed class ProjectTagsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(t => t!.GetValue<string>()).ToList();

    [Fact]
    public async Task Model_tags_of_a_project_include_its_subprojects_and_system_tags_only_when_asked()
    {
        using var client = _server.Client();
        var parentName = ModelsApi.Unique("TagsParent");
        var parent = (await client.CallAsync("projects.create", new { name = parentName })).Ok()["id"]!.GetValue<string>();
        var child = (await client.CallAsync("projects.create", new { name = parentName + "/Child" })).Ok()["id"]!.GetValue<string>();
        var other = await client.CreateProjectAsync("TagsOther");
        await client.CreateModelAsync("model one", new { project = parent, tags = new[] { "b", "a" }, system_tags = new[] { "sys" } });
        await client.CreateModelAsync("model two", new { project = child, tags = new[] { "c", "a" } });
        await client.CreateModelAsync("model three", new { project = other, tags = new[] { "elsewhere" } });

        var plain = (await client.CallAsync("projects.get_model_tags", new { projects = new[] { parent } })).Ok();
        Assert.Equal(["a", "b", "c"], Strings(plain["tags"]));
        Assert.False(plain.ContainsKey("system_tags"));

        var withSystem = (await client.CallAsync("projects.get_model_tags", new { projects = new[] { child }, include_system = true })).Ok();
        Assert.Equal(["a", "c"], Strings(withSystem["tags"]));
        Assert.Empty(Strings(withSystem["system_tags"]));

        var companyWide = Strings((await client.CallAsync("projects.get_model_tags", new { include_system = true })).Ok()["tags"]);
        Assert.Contains("elsewhere", companyWide);
        Assert.Contains("b", companyWide);
    }

    [Fact]
    public async Task Retagging_a_model_changes_the_answer()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("TagsRetag");
        var model = await client.CreateModelAsync("retagged model", new { project, tags = new[] { "old" } });
        (await client.CallAsync("models.edit", new { model, tags = new[] { "new" } })).Ok();
        var tags = Strings((await client.CallAsync("projects.get_model_tags", new { projects = new[] { project } })).Ok()["tags"]);
        Assert.Equal(["new"], tags);
    }

    [Theory]
    [InlineData("""{"include_system": "yes"}""")]
    [InlineData("""{"projects": "not-a-list"}""")]
    [InlineData("""{"projects": [1]}""")]
    public async Task Wrong_types_are_400_12(string body)
    {
        using var client = _server.Client();
        (await client.CallAsync("projects.get_model_tags", body)).Fails(400, 12);
    }
}
