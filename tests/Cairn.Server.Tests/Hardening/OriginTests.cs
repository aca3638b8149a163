using System.Net;
using System.Net.WebSockets;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Hardening;

/// <summary>Which web pages may use the API and the UI's hub: the CORS allow-list and the Blazor hub's Origin check.</summary>
public sealed class OriginTests
{
    private const string Foreign = "https://evil.example";

    private static async Task<HttpResponseMessage> PreflightAsync(TestServer server, string origin)
    {
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        using var request = new HttpRequestMessage(HttpMethod.Options, "v2.23/projects.get_all");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task By_default_a_preflight_from_another_origin_gets_no_cors_headers()
    {
        await using var server = await TestServer.StartAsync();
        var response = await PreflightAsync(server, Foreign);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));

        using var client = server.Client();
        var call = await client.SendAsync("projects.get_all", "{}", "application/json", headers: [new("Origin", Foreign)]);
        call.Ok();
        Assert.False(call.Http.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task An_origin_on_the_allow_list_gets_itself_and_credentials_and_others_get_nothing()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:CorsOrigins:0=https://clearml.example.com"]);
        var allowed = await PreflightAsync(server, "https://clearml.example.com");
        Assert.Equal("https://clearml.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Contains("authorization", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);

        var other = await PreflightAsync(server, Foreign);
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_star_allows_every_origin_without_credentials()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:CorsOrigins:0=*"]);
        var response = await PreflightAsync(server, Foreign);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("clearml.example.com")]
    [InlineData("https://clearml.example.com/path")]
    [InlineData("ftp://clearml.example.com")]
    public async Task An_entry_that_is_not_an_origin_stops_the_start_naming_the_option(string entry)
    {
        var e = await Assert.ThrowsAsync<Cairn.Server.Hosting.CairnStartupException>(() =>
            TestServer.StartAsync([$"--Cairn:CorsOrigins:0={entry}"]));
        Assert.Contains("Cairn:CorsOrigins", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ui_hub_refuses_a_negotiation_and_a_websocket_from_another_origin()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{server.WebPort}/") };

        using var foreign = new HttpRequestMessage(HttpMethod.Post, "_blazor/negotiate?negotiateVersion=1");
        foreign.Headers.Add("Origin", Foreign);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(foreign)).StatusCode);

        using var own = new HttpRequestMessage(HttpMethod.Post, "_blazor/negotiate?negotiateVersion=1");
        own.Headers.Add("Origin", $"http://127.0.0.1:{server.WebPort}");
        Assert.NotEqual(HttpStatusCode.Forbidden, (await http.SendAsync(own)).StatusCode);

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", Foreign);
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.WebPort}/_blazor?id=x"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }
}
