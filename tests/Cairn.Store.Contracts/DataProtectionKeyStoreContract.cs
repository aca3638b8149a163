using Xunit;

namespace Cairn.Store.Contracts;

/// <summary><c>IDataProtectionKeyStore</c>: the web UI's key ring, shared by every replica on the database.</summary>
public abstract class DataProtectionKeyStoreContract(IStoreProvider provider) : StoreContract(provider)
{
    private const string Key1 = """<key id="11111111-1111-1111-1111-111111111111" version="1"><creationDate>2025-06-01T12:00:00Z</creationDate></key>""";
    private const string Key2 = """<key id="22222222-2222-2222-2222-222222222222" version="1"><descriptor>ü &amp; "quoted"</descriptor></key>""";

    [Fact]
    public async Task A_new_store_has_no_keys()
    {
        Assert.Empty(await Store.DataProtectionKeys.GetAllAsync());
    }

    [Fact]
    public async Task Added_elements_come_back_verbatim_oldest_first()
    {
        await Store.DataProtectionKeys.AddAsync("key-2", Key2);
        await Store.DataProtectionKeys.AddAsync("key-1", Key1);

        Assert.Equal([Key2, Key1], await Store.DataProtectionKeys.GetAllAsync());
    }

    [Fact]
    public async Task Two_elements_with_one_friendly_name_are_both_kept()
    {
        // Two replicas creating the first key at the same moment both write theirs; neither is lost.
        await Store.DataProtectionKeys.AddAsync("key", Key1);
        await Store.DataProtectionKeys.AddAsync("key", Key2);

        Assert.Equal(2, (await Store.DataProtectionKeys.GetAllAsync()).Count);
    }

    [Fact]
    public async Task The_ring_lock_is_held_by_one_holder_at_a_time()
    {
        var first = await Store.DataProtectionKeys.LockAsync();
        var second = Store.DataProtectionKeys.LockAsync();
        // Still waiting once the first holder has done something of its own on the store.
        await Store.DataProtectionKeys.AddAsync("key", Key1);
        Assert.False(second.IsCompleted);

        await first.DisposeAsync();
        await using (await second.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            Assert.Single(await Store.DataProtectionKeys.GetAllAsync());
        }
        // Released again: the next one gets it at once.
        await (await Store.DataProtectionKeys.LockAsync().WaitAsync(TimeSpan.FromSeconds(30))).DisposeAsync();
    }
}
