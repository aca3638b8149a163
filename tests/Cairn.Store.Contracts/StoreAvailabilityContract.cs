using Cairn.Core.Storage;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary>
/// <c>IMetadataStore.AsUnavailableOrNull</c>: a database that cannot be reached is reported as
/// unavailable (the server answers 503, which the SDKs retry); other failures are not.
/// </summary>
public abstract class StoreAvailabilityContract(IStoreProvider provider) : StoreContract(provider)
{
    /// <summary>A store of this provider whose database cannot be reached.</summary>
    protected abstract IMetadataStore CreateUnreachableStore();

    [Fact]
    public async Task A_call_to_an_unreachable_database_fails_as_unavailable()
    {
        var store = CreateUnreachableStore();
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => store.Sessions.IsTokenRevokedAsync("session-1"));

            var unavailable = store.AsUnavailableOrNull(error);
            Assert.NotNull(unavailable);
            Assert.Contains("unavailable", unavailable.Message, StringComparison.Ordinal);
            Assert.Same(error, unavailable.InnerException);
        }
        finally
        {
            if (store is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Other_failures_are_not_unavailability()
    {
        Assert.Null(Store.AsUnavailableOrNull(new InvalidOperationException("a bug")));
        Assert.Null(Store.AsUnavailableOrNull(new ArgumentException("bad input")));
    }

    [Fact]
    public void An_unavailable_exception_wrapped_in_another_is_found()
    {
        var unavailable = new StoreUnavailableException("the database is unavailable");

        Assert.Same(unavailable, Store.AsUnavailableOrNull(new InvalidOperationException("wrapped", unavailable)));
    }

    [Fact]
    public async Task A_constraint_or_a_missing_table_is_not_unavailability()
    {
        // A real failure of the store's database that is not its absence: reading before migrating.
        var unmigrated = Provider.CreateStore();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => unmigrated.Sessions.IsTokenRevokedAsync("session-1"));

        Assert.Null(unmigrated.AsUnavailableOrNull(error));
    }
}
