using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary><c>users.get_all</c> and <c>users.get_by_id</c> over HTTP, as ClearML's web UI calls them.</summary>
public sealed class UsersTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Get_all_lists_the_callers_company_and_filters_by_id_and_fields()
    {
        using var client = _server.Client();
        var me = (await client.CallAsync("users.get_current_user")).Ok()["user"]!["id"]!.GetValue<string>();

        var users = (await client.CallAsync("users.get_all", new { })).Ok()["users"]!.AsArray();
        var mine = Assert.Single(users, u => u!["id"]!.GetValue<string>() == me)!;
        Assert.Equal(ModelsApi.Company, mine["company"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(mine["name"]!.GetValue<string>()));

        var projected = (await client.CallAsync("users.get_all", new { id = new[] { me, ModelsApi.MissingId }, only_fields = new[] { "name" } })).Ok()["users"]!.AsArray();
        var only = Assert.Single(projected)!.AsObject();
        Assert.Equal(["id", "name"], only.Select(p => p.Key).Order());
    }

    [Fact]
    public async Task Get_by_id_finds_the_user_and_an_unknown_id_is_400_300()
    {
        using var client = _server.Client();
        var me = (await client.CallAsync("users.get_current_user")).Ok()["user"]!["id"]!.GetValue<string>();
        Assert.Equal(me, (await client.CallAsync("users.get_by_id", new { user = me })).Ok()["user"]!["id"]!.GetValue<string>());
        (await client.CallAsync("users.get_by_id", new { user = ModelsApi.MissingId })).Fails(400, 300);
        (await client.CallAsync("users.get_by_id", new { })).Fails(400, 12);
    }

    [Theory]
    [InlineData("users.get_all", """{"id": "not-a-list"}""")]
    [InlineData("users.get_all", """{"only_fields": [1]}""")]
    [InlineData("users.get_by_id", """{"user": 5}""")]
    public async Task Wrong_types_are_400_12(string endpoint, string body)
    {
        using var client = _server.Client();
        (await client.CallAsync(endpoint, body)).Fails(400, 12);
    }
}
