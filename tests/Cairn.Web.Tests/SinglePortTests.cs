using System.Net;
using Cairn.Testing;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class SinglePortTests
{
    [Fact]
    public async Task In_single_port_mode_the_ui_is_at_the_root_beside_the_api_and_its_assets_are_served()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:SinglePort=true"]);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{server.WebPort}/"),
            Timeout = TimeSpan.FromMinutes(2),
        };

        var projects = await http.GetAsync("projects");
        Assert.Equal(HttpStatusCode.Redirect, projects.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fprojects", projects.Headers.Location!.PathAndQuery);

        var login = await http.GetAsync("login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Sign in to Cairn", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        foreach (var asset in new[] { "_framework/blazor.web.js", "_content/MudBlazor/MudBlazor.min.css", "_content/Cairn.Web/cairn.css" })
        {
            var response = await http.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000, $"{asset} is empty");
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/debug.ping")).StatusCode);
    }
}
