using Cairn.Core.Identity;
using Cairn.Core.Storage;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary>
/// The base of every contract suite: each test gets a fresh store from the provider (migrated
/// unless the suite says otherwise), and the provider deletes it afterwards.
/// </summary>
public abstract class StoreContract(IStoreProvider provider) : IAsyncLifetime
{
    protected const string Company = DefaultCompany.Id;
    protected const string OtherCompany = "0123456789abcdef0123456789abcdef";
    protected const string PublicCompany = "";

    /// <summary>A fixed clock: whole seconds, so values survive millisecond storage unchanged.</summary>
    protected static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    protected IStoreProvider Provider => provider;

    protected IMetadataStore Store { get; private set; } = null!;

    /// <summary>Whether <see cref="InitializeAsync"/> migrates the new store.</summary>
    protected virtual bool MigrateBeforeEachTest => true;

    public async Task InitializeAsync()
    {
        Store = provider.CreateStore();
        if (MigrateBeforeEachTest)
        {
            await Store.MigrateAsync();
        }
    }

    public async Task DisposeAsync() => await provider.DisposeAsync();
}
