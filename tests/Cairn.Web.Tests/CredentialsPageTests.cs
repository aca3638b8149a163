using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class CredentialsPageTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task A_created_key_pair_shows_a_clearml_conf_that_works_and_revoking_it_stops_it()
    {
        var page = await web.SignedInPageAsync("/credentials");
        await page.GetByLabel("Label (optional)").FillAsync("laptop");
        await page.ClickAsync("[data-testid=create-credentials]");
        var conf = page.Locator("[data-testid=clearml-conf]");
        await Assertions.Expect(conf).ToContainTextAsync($"api_server: http://127.0.0.1:{web.Server.ApiPort}");
        var text = await conf.InnerTextAsync();
        var accessKey = Field(text, "access_key");
        var secretKey = Field(text, "secret_key");
        var row = page.Locator($"tr[data-access-key='{accessKey}']");
        await Assertions.Expect(row).ToContainTextAsync("laptop");
        await WebFixture.ScreenshotAsync(page, "credentials");

        // The pasted pair is a working credential.
        using (var client = new Cairn.Testing.ApiClient(web.Server.ApiUrl, Cairn.Testing.ApiClient.Basic(accessKey, secretKey)))
        {
            Assert.Equal(200, (await client.CallAsync("users.get_current_user")).Code);
        }

        await row.Locator("[data-testid=revoke]").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        using (var client = new Cairn.Testing.ApiClient(web.Server.ApiUrl, Cairn.Testing.ApiClient.Basic(accessKey, secretKey)))
        {
            Assert.Equal(401, (await client.CallAsync("users.get_current_user")).Code);
        }
    }

    private static string Field(string conf, string name)
    {
        var line = conf.Split('\n').Single(l => l.Contains($"\"{name}\"", StringComparison.Ordinal));
        return line.Split('"')[3];
    }
}
