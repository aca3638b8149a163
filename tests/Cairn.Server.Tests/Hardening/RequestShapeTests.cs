using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Hardening;

/// <summary>Request shapes a client can get wrong (query strings, version paths): a 4xx naming the problem, never a 5xx.</summary>
public sealed class RequestShapeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Theory]
    [InlineData(65)]
    [InlineData(1000)]
    public async Task A_query_string_key_nested_too_deep_is_400_naming_the_limit(int levels)
    {
        using var client = _server.Client();
        var key = string.Join('.', Enumerable.Repeat("a", levels));
        var response = (await client.CallAsync($"v2.23/models.get_by_id?{key}=1", new { model = "x" })).Fails(400, 0);
        Assert.Contains("nested", response.Message, StringComparison.Ordinal);
        Assert.Contains("32", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deep_query_string_key_is_400_even_without_credentials()
    {
        using var client = _server.Client(authenticated: false);
        var key = string.Join('.', Enumerable.Repeat("a", 1000));
        (await client.CallAsync($"debug.ping?{key}=1")).Fails(400, 0);
    }

    [Fact]
    public async Task A_query_string_key_nested_within_the_limit_is_merged()
    {
        using var client = _server.Client(authenticated: false);
        var key = string.Join('.', Enumerable.Repeat("a", 32));
        (await client.CallAsync($"debug.ping?{key}=1")).Ok();
    }

    [Theory]
    [InlineData("v99999999999.0")]
    [InlineData("v2.99999999999999999999")]
    public async Task A_version_too_large_for_a_number_is_served_like_the_maximum(string version)
    {
        using var client = _server.Client(authenticated: false);
        var response = await client.CallAsync($"{version}/server.info");
        Assert.Equal("2.31", response.Ok()["api_version"]!.GetValue<string>());
        Assert.Equal("2.12", response.Meta["endpoint"]!["actual_version"]!.GetValue<string>());
    }
}
