using Cairn.Core.Storage;
using Cairn.Testing;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests;

/// <summary>
/// Two server processes on one database: the data-protection keys that sign the sign-in cookie
/// are in the database, so a browser signed in on one is signed in on the other.
/// </summary>
public sealed class ReplicaSessionTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task A_browser_session_signed_in_on_one_server_works_on_another_on_the_same_database()
    {
        // The replica shares the first server's SQLite file (its data directory) and nothing else.
        await using var replica = await TestServer.StartAsync(dataDir: web.Server.DataDir);
        var page = await web.SignedInPageAsync("/credentials");

        // Cookies are not told apart by port: the browser sends the session to the replica.
        await page.GotoAsync($"http://127.0.0.1:{replica.WebPort}/projects");
        Assert.Equal("/projects", new Uri(page.Url).AbsolutePath);
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToContainTextAsync("Test User");

        // The keys are the database's, not a folder's.
        Assert.False(Directory.Exists(Path.Combine(web.Server.DataDir, "web-keys")));
        Assert.NotEmpty(await replica.Service<IMetadataStore>().DataProtectionKeys.GetAllAsync());

        // Signing out on the replica (a form with an antiforgery token) ends the session on the first server too.
        await page.ClickAsync("[data-testid=sign-out]");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login");
        await page.GotoAsync($"{web.WebUrl}/credentials");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
    }
}
