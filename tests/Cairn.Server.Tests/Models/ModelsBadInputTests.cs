using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary>Unknown model ids, missing required fields and ill-typed values on the models service (api.md §1.2, §1.6).</summary>
public sealed class ModelsBadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Theory]
    [InlineData("models.get_by_id", """{"model":"$id"}""")]
    [InlineData("models.edit", """{"model":"$id","comment":"x"}""")]
    [InlineData("models.update", """{"model":"$id","comment":"x"}""")]
    [InlineData("models.set_ready", """{"model":"$id"}""")]
    [InlineData("models.delete", """{"model":"$id"}""")]
    [InlineData("models.add_or_update_metadata", """{"model":"$id","metadata":[{"key":"k","type":"str","value":"v"}]}""")]
    [InlineData("models.delete_metadata", """{"model":"$id","keys":["k"]}""")]
    [InlineData("models.make_public", """{"ids":["$id"]}""")]
    [InlineData("models.make_private", """{"ids":["$id"]}""")]
    public async Task An_unknown_model_id_is_400_201(string endpoint, string body)
    {
        using var client = _server.Client();
        var response = (await client.CallAsync(endpoint, body.Replace("$id", ModelsApi.MissingId, StringComparison.Ordinal))).Fails(400, 201);
        Assert.Contains(ModelsApi.MissingId, response.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("models.get_by_id", """{}""")]
    [InlineData("models.edit", """{"comment":"x"}""")]
    [InlineData("models.update", """{"comment":"x"}""")]
    [InlineData("models.set_ready", """{}""")]
    [InlineData("models.delete", """{}""")]
    [InlineData("models.add_or_update_metadata", """{"metadata":[{"key":"k","type":"str","value":"v"}]}""")]
    [InlineData("models.add_or_update_metadata", """{"model":"$id"}""")]
    [InlineData("models.delete_metadata", """{"model":"$id"}""")]
    [InlineData("models.delete_metadata", """{"keys":["k"]}""")]
    [InlineData("models.publish_many", """{}""")]
    [InlineData("models.archive_many", """{}""")]
    [InlineData("models.unarchive_many", """{}""")]
    [InlineData("models.delete_many", """{}""")]
    [InlineData("models.make_public", """{}""")]
    [InlineData("models.move", """{"project_name":"Anywhere"}""")]
    [InlineData("models.update_tags", """{"add_tags":["a"]}""")]
    public async Task A_missing_required_field_is_400_11_or_12(string endpoint, string body)
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Required fields");
        var response = await client.CallAsync(endpoint, body.Replace("$id", id, StringComparison.Ordinal));
        Assert.True(response.Status == 400 && response.Code == 400 && response.Subcode is 11 or 12,
            $"expected 400/11 or 400/12, got HTTP {response.Status}, {response.Code}/{response.Subcode}: {response.Message}");
        Assert.Empty(response.Data);
    }

    [Theory]
    [InlineData("""{"name":"Typed model","uri":"s3://b/x","tags":"not-a-list"}""")]
    [InlineData("""{"name":"Typed model","uri":"s3://b/x","ready":"yes"}""")]
    [InlineData("""{"name":"Typed model","uri":"s3://b/x","design":"not-an-object"}""")]
    [InlineData("""{"name":"Typed model","uri":"s3://b/x","labels":["a"]}""")]
    [InlineData("""{"name":"Typed model","uri":"s3://b/x","metadata":{"k":{"key":"k","type":"str","value":5}}}""")]
    public async Task An_ill_typed_create_is_400_12_and_creates_nothing(string body)
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Typed");
        var withProject = JsonNode.Parse(body)!.AsObject();
        withProject["project"] = project;
        (await client.CallAsync("models.create", withProject)).Fails(400, 12);
        Assert.Empty(await client.GetAllModelsAsync(new { project = new[] { project } }));
    }

    [Fact]
    public async Task Unknown_request_fields_are_ignored()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Extra fields", new { no_such_field = 1 });
        Assert.False((await client.GetModelAsync(id)).ContainsKey("no_such_field"));
        Assert.Equal([id], (await client.GetAllModelsAsync(new { id = new[] { id }, no_such_filter = "x" })).Ids());
    }

    [Fact]
    public async Task Single_model_errors_carry_the_id_in_error_data()
    {
        using var client = _server.Client();
        var response = (await client.CallAsync("models.edit", new { model = ModelsApi.MissingId, comment = "x" })).Fails(400, 201);
        Assert.Equal(ModelsApi.MissingId, response.Meta["error_data"]!["id"].Text());
    }
}
