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
