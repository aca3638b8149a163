using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary><c>server.info</c>, <c>debug.ping</c> and <c>users.get_current_user</c>.</summary>
public sealed class ServiceInfoTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Server_info_answers_per_version_without_credentials()
    {
        using var client = _server.Client(authenticated: false);
        var v1 = (await client.CallAsync("v2.1/server.info")).Ok();
        Assert.Equal("2.0.0", v1["version"]!.GetValue<string>());
        Assert.StartsWith("cairn-", v1["build"]!.GetValue<string>());
        Assert.False(v1.ContainsKey("uid"));
        Assert.False(v1.ContainsKey("api_version"));

        var v28 = (await client.CallAsync("v2.8/server.info")).Ok();
        Assert.Matches("^[0-9a-f]{32}$", v28["uid"]!.GetValue<string>());

        var latest = (await client.CallAsync("v2.23/server.info")).Ok();
        Assert.Equal("2.31", latest["api_version"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_server_uid_is_the_same_on_every_replica()
    {
        await using var replica = await TestServer.StartAsync();
        using var a = _server.Client(authenticated: false);
        using var b = replica.Client(authenticated: false);
        Assert.Equal(
            (await a.CallAsync("v2.8/server.info")).Ok()["uid"]!.GetValue<string>(),
            (await b.CallAsync("v2.8/server.info")).Ok()["uid"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ping_echoes_the_request_fields()
    {
        using var client = _server.Client(authenticated: false);
        var data = (await client.CallAsync("debug.ping", new { probe = 1 })).Ok();
        Assert.Equal("ClearML server", data["msg"]!.GetValue<string>());
        Assert.Equal(1, data["probe"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_current_user_is_described_with_company_and_role()
    {
        using var client = _server.Client();
        var data = (await client.CallAsync("users.get_current_user")).Ok();
        var user = data["user"]!;
        Assert.Equal("Test User", user["name"]!.GetValue<string>());
        Assert.Equal("Test", user["given_name"]!.GetValue<string>());
        Assert.Equal("User", user["family_name"]!.GetValue<string>());
        Assert.Equal("user", user["role"]!.GetValue<string>());
        Assert.Equal("clearml", user["company"]!["name"]!.GetValue<string>());
        Assert.Equal("clearml-init", data["getting_started"]!["configure"]!.GetValue<string>());
        Assert.Equal(50000, data["settings"]!["max_download_items"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_current_user_needs_credentials()
    {
        using var client = _server.Client(authenticated: false);
        (await client.CallAsync("users.get_current_user")).Fails(401, 20);
    }
}
