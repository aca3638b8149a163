using Xunit;

namespace Cairn.Store.Sqlite.Tests.Contracts;

/// <summary><c>ISessionStore</c>: token revocations and scroll positions shared by every replica.</summary>
public abstract class SessionStoreContract(IStoreProvider provider) : StoreContract(provider)
{
    [Fact]
    public async Task A_revoked_session_is_reported_revoked_and_others_are_not()
    {
        await Store.Sessions.RevokeTokenAsync("session-1", Now.AddHours(1));

        Assert.True(await Store.Sessions.IsTokenRevokedAsync("session-1"));
        Assert.False(await Store.Sessions.IsTokenRevokedAsync("session-2"));
    }

    [Fact]
    public async Task Revoking_a_session_twice_is_harmless()
    {
        await Store.Sessions.RevokeTokenAsync("session-1", Now.AddHours(1));

        await Store.Sessions.RevokeTokenAsync("session-1", Now.AddHours(1));

        Assert.True(await Store.Sessions.IsTokenRevokedAsync("session-1"));
    }

    [Fact]
    public async Task A_saved_scroll_position_is_returned_until_it_expires()
    {
        await Store.Sessions.SaveScrollPositionAsync("scroll-1", 500, Now.AddMinutes(10));

        Assert.Equal(500, await Store.Sessions.GetScrollPositionAsync("scroll-1", Now));
        Assert.Equal(500, await Store.Sessions.GetScrollPositionAsync("scroll-1", Now.AddMinutes(10).AddMilliseconds(-1)));
        Assert.Null(await Store.Sessions.GetScrollPositionAsync("scroll-1", Now.AddMinutes(10)));
        Assert.Null(await Store.Sessions.GetScrollPositionAsync("scroll-unknown", Now));
    }

    [Fact]
    public async Task Saving_a_scroll_again_moves_its_position_and_expiry()
    {
        await Store.Sessions.SaveScrollPositionAsync("scroll-1", 500, Now.AddMinutes(10));

        await Store.Sessions.SaveScrollPositionAsync("scroll-1", 1000, Now.AddMinutes(20));

        Assert.Equal(1000, await Store.Sessions.GetScrollPositionAsync("scroll-1", Now.AddMinutes(15)));
    }

    [Fact]
    public async Task Scrolls_are_independent_of_each_other()
    {
        await Store.Sessions.SaveScrollPositionAsync("scroll-1", 10, Now.AddMinutes(10));
        await Store.Sessions.SaveScrollPositionAsync("scroll-2", 20, Now.AddMinutes(10));

        Assert.Equal(10, await Store.Sessions.GetScrollPositionAsync("scroll-1", Now));
        Assert.Equal(20, await Store.Sessions.GetScrollPositionAsync("scroll-2", Now));
    }

    [Fact]
    public async Task Purging_removes_expired_revocations_and_scrolls_and_keeps_live_ones()
    {
        await Store.Sessions.RevokeTokenAsync("session-expired", Now.AddMinutes(-1));
        await Store.Sessions.RevokeTokenAsync("session-at-now", Now);
        await Store.Sessions.RevokeTokenAsync("session-live", Now.AddMinutes(1));
        await Store.Sessions.SaveScrollPositionAsync("scroll-expired", 1, Now.AddMinutes(-1));
        await Store.Sessions.SaveScrollPositionAsync("scroll-live", 2, Now.AddMinutes(1));

        var purged = await Store.Sessions.PurgeExpiredAsync(Now);

        Assert.Equal(3, purged);
        Assert.False(await Store.Sessions.IsTokenRevokedAsync("session-expired"));
        Assert.False(await Store.Sessions.IsTokenRevokedAsync("session-at-now"));
        Assert.True(await Store.Sessions.IsTokenRevokedAsync("session-live"));
        Assert.Equal(2, await Store.Sessions.GetScrollPositionAsync("scroll-live", Now));
        // A purged scroll is gone even for a caller whose clock is behind.
        Assert.Null(await Store.Sessions.GetScrollPositionAsync("scroll-expired", Now.AddMinutes(-2)));
        Assert.Equal(0, await Store.Sessions.PurgeExpiredAsync(Now));
    }
}
