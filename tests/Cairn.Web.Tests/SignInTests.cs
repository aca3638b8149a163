using System.Text.RegularExpressions;
using Cairn.Testing;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class SignInTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task A_signed_out_visitor_is_sent_to_sign_in_and_back_to_the_page_they_asked_for()
    {
        var page = await web.NewPageAsync();
        await page.GotoAsync("/credentials");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        Assert.Contains("returnUrl=%2Fcredentials", page.Url, StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "sign-in");

        await page.FillAsync("#username", TestServer.Username);
        await page.FillAsync("#password", TestServer.Password);
        await page.ClickAsync("[data-testid=sign-in]");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/credentials");
        await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToContainTextAsync("Test User");

        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == "cairn_session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_in_place_with_the_API_message()
    {
        var page = await web.NewPageAsync();
        await page.GotoAsync("/login");
        await page.FillAsync("#username", TestServer.Username);
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("[data-testid=sign-in]");
        await Assertions.Expect(page.Locator("[data-testid=login-error]")).ToContainTextAsync("Sign-in failed");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "cairn_session");
        await WebFixture.ScreenshotAsync(page, "sign-in-refused");
    }

    [Fact]
    public async Task Signing_out_revokes_the_session_and_pages_need_sign_in_again()
    {
        var page = await web.SignedInPageAsync();
        await page.ClickAsync("[data-testid=sign-out]");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login");
        await page.GotoAsync("/projects");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
    }

    [Fact]
    public async Task A_session_revoked_elsewhere_goes_to_sign_in_rather_than_rendering_signed_in()
    {
        var page = await web.SignedInPageAsync();
        // Two more browsers holding the same session cookie: one with a page open, one that opens a page later.
        var open = await CopySessionAsync(page);
        await open.GotoAsync("/projects");
        await WebFixture.WaitForInteractiveAsync(open);
        await Assertions.Expect(open.Locator("[data-testid=signed-in-user]")).ToBeVisibleAsync();
        var later = await CopySessionAsync(page);

        // Signing out in the first revokes the session's API token for all of them.
        await page.ClickAsync("[data-testid=sign-out]");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login");

        // The open page's next API call finds the token refused.
        await open.Locator("a[href='projects/*/models']").First.ClickAsync();
        await Assertions.Expect(open).ToHaveURLAsync(new Regex("/login\\?ended=true&returnUrl=%2Fprojects%2F"));
        await Assertions.Expect(open.Locator("[data-testid=login-error]")).ToContainTextAsync("Your session has ended");
        await Assertions.Expect(open.Locator("[data-testid=signed-in-user]")).ToHaveCountAsync(0);
        Assert.DoesNotContain(await open.Context.CookiesAsync(), c => c.Name == "cairn_session");

        // A page rendered on the server with the dead session redirects there too, and signing in comes back.
        await later.GotoAsync("/credentials");
        await Assertions.Expect(later).ToHaveURLAsync(new Regex("/login\\?ended=true&returnUrl=%2Fcredentials$"));
        await Assertions.Expect(later.Locator("[data-testid=login-error]")).ToContainTextAsync("Your session has ended");
        await later.FillAsync("#username", TestServer.Username);
        await later.FillAsync("#password", TestServer.Password);
        await later.ClickAsync("[data-testid=sign-in]");
        await Assertions.Expect(later).ToHaveURLAsync(new Regex("/credentials$"));
        await Assertions.Expect(later.Locator("[data-testid=signed-in-user]")).ToContainTextAsync("Test User");
    }

    private async Task<IPage> CopySessionAsync(IPage signedIn)
    {
        var copy = await web.NewPageAsync();
        var cookies = await signedIn.Context.CookiesAsync();
        await copy.Context.AddCookiesAsync(cookies.Select(c => new Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, Expires = c.Expires,
            HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite,
        }));
        return copy;
    }

    [Fact]
    public async Task A_sign_out_post_without_an_antiforgery_token_is_refused()
    {
        var page = await web.SignedInPageAsync();
        var response = await page.APIRequest.PostAsync("/logout", new APIRequestContextOptions { Form = page.APIRequest.CreateFormData() });
        Assert.Equal(400, response.Status);
        await page.GotoAsync("/projects");
        Assert.Equal("/projects", new Uri(page.Url).AbsolutePath);
    }

    [Fact]
    public async Task An_unknown_address_shows_the_not_found_page()
    {
        var page = await web.SignedInPageAsync();
        var response = await page.GotoAsync("/no/such/page");
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByText("There is nothing at this address")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "not-found");
    }
}
