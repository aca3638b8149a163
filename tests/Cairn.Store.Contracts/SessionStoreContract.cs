using Cairn.Core.Querying;
using Xunit;

namespace Cairn.Store.Contracts;

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
        await Store.Sessions.SaveScrollAsync("scroll-1", new ScrollState(500, null), Now.AddMinutes(10));

        Assert.Equal(500, (await Store.Sessions.GetScrollAsync("scroll-1", Now))?.Position);
        Assert.Equal(500, (await Store.Sessions.GetScrollAsync("scroll-1", Now.AddMinutes(10).AddMilliseconds(-1)))?.Position);
        Assert.Null((await Store.Sessions.GetScrollAsync("scroll-1", Now.AddMinutes(10)))?.Position);
        Assert.Null((await Store.Sessions.GetScrollAsync("scroll-unknown", Now))?.Position);
    }

    [Fact]
    public async Task Saving_a_scroll_again_moves_its_position_and_expiry()
    {
        await Store.Sessions.SaveScrollAsync("scroll-1", new ScrollState(500, null), Now.AddMinutes(10));

        await Store.Sessions.SaveScrollAsync("scroll-1", new ScrollState(1000, null), Now.AddMinutes(20));

        Assert.Equal(1000, (await Store.Sessions.GetScrollAsync("scroll-1", Now.AddMinutes(15)))?.Position);
    }

    [Fact]
    public async Task Scrolls_are_independent_of_each_other()
    {
        await Store.Sessions.SaveScrollAsync("scroll-1", new ScrollState(10, null), Now.AddMinutes(10));
        await Store.Sessions.SaveScrollAsync("scroll-2", new ScrollState(20, null), Now.AddMinutes(10));

        Assert.Equal(10, (await Store.Sessions.GetScrollAsync("scroll-1", Now))?.Position);
        Assert.Equal(20, (await Store.Sessions.GetScrollAsync("scroll-2", Now))?.Position);
    }

    [Fact]
    public async Task Purging_removes_expired_revocations_and_scrolls_and_keeps_live_ones()
    {
        await Store.Sessions.RevokeTokenAsync("session-expired", Now.AddMinutes(-1));
        await Store.Sessions.RevokeTokenAsync("session-at-now", Now);
        await Store.Sessions.RevokeTokenAsync("session-live", Now.AddMinutes(1));
        await Store.Sessions.SaveScrollAsync("scroll-expired", new ScrollState(1, null), Now.AddMinutes(-1));
        await Store.Sessions.SaveScrollAsync("scroll-live", new ScrollState(2, null), Now.AddMinutes(1));

        var purged = await Store.Sessions.PurgeExpiredAsync(Now);

        Assert.Equal(3, purged);
        Assert.False(await Store.Sessions.IsTokenRevokedAsync("session-expired"));
        Assert.False(await Store.Sessions.IsTokenRevokedAsync("session-at-now"));
        Assert.True(await Store.Sessions.IsTokenRevokedAsync("session-live"));
        Assert.Equal(2, (await Store.Sessions.GetScrollAsync("scroll-live", Now))?.Position);
        // A purged scroll is gone even for a caller whose clock is behind.
        Assert.Null((await Store.Sessions.GetScrollAsync("scroll-expired", Now.AddMinutes(-2)))?.Position);
        Assert.Equal(0, await Store.Sessions.PurgeExpiredAsync(Now));
    }
}
