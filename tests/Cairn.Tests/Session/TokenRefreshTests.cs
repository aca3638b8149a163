using Cairn.Session;
using Cairn.Testing;
using Xunit;

namespace Cairn.Tests.Session;

public sealed class TokenRefreshTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_token_is_refreshed_once_the_clock_reaches_its_refresh_time_and_not_before()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var handler = new CountingHandler();
        await using var session = new ClearMLSession(ClearMLSessionTests.SettingsFor(fixture.Server), handler: handler, timeProvider: clock);
        var first = AccessToken.Parse(await session.GetTokenAsync());
        var refreshAt = first.RefreshAt!.Value;
        Assert.Equal(1, handler.Logins);

        // Just before the refresh time every call uses the token it has.
        clock.Now = refreshAt - TimeSpan.FromSeconds(1);
        await session.CallAsync("projects.get_all", null);
        Assert.Equal(first.Value, await session.GetTokenAsync());
        Assert.Equal(1, handler.Logins);

        // At the refresh time (the token still valid on the server) the next call logs in first.
        clock.Now = refreshAt;
        var projects = await session.CallAsync("projects.get_all", null);
        Assert.NotNull(projects["projects"]);
        Assert.Equal(2, handler.Logins);
    }
}

/// <summary>A clock that stands still until a test moves it (only <see cref="GetUtcNow"/> is read by what it tests).</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
