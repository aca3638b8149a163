using Cairn.Session;
using Cairn.Testing;
using Xunit;

namespace Cairn.Tests.Session;

public sealed class TokenRefreshTests
{
    [Fact]
    public async Task A_short_lived_token_is_refreshed_before_it_expires()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:TokenLifetime=00:00:04"]);
        await using var session = new ClearMLSession(ClearMLSessionTests.SettingsFor(server));
        var first = await session.GetTokenAsync();
        var expires = AccessToken.Parse(first).Expires!.Value;
        string current;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        do
        {
            await session.CallAsync("projects.get_all", null);
            current = await session.GetTokenAsync();
            Assert.True(DateTimeOffset.UtcNow < deadline, "the token was never refreshed");
            await Task.Delay(100);
        }
        while (current == first);
        Assert.True(AccessToken.Parse(current).Expires > expires);
        // Once the first token has expired, calls still succeed with the new one.
        while (DateTimeOffset.UtcNow <= expires.AddSeconds(1))
        {
            await Task.Delay(100);
        }
        var projects = await session.CallAsync("projects.get_all", null);
        Assert.NotNull(projects["projects"]);
    }
}
