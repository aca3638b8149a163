using Cairn.Core.Storage;
using Cairn.Store.Contracts;
using Xunit;

namespace Cairn.Store.Sqlite.Tests.Sqlite;

public sealed class SqliteDataProtectionKeyStoreTests() : DataProtectionKeyStoreContract(new SqliteStoreProvider())
{
    [Fact]
    public async Task The_ring_lock_is_shared_by_every_store_on_the_file_as_by_processes_on_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cairn-keyring-{Guid.NewGuid():N}.db");
        var lockFile = path + ".keyring-lock";
        try
        {
            var one = new SqliteMetadataStore(path);
            var other = new SqliteMetadataStore(path);
            await one.MigrateAsync();
            var first = await one.DataProtectionKeys.LockAsync();
            var second = other.DataProtectionKeys.LockAsync();
            // The other store polls the file lock; several of its tries fail while the first holds it.
            await other.DataProtectionKeys.GetAllAsync();
            await Task.WhenAny(second, Task.Delay(TimeSpan.FromMilliseconds(300)));
            Assert.False(second.IsCompleted);

            await first.DisposeAsync();
            await (await second.WaitAsync(TimeSpan.FromSeconds(30))).DisposeAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { path, path + "-wal", path + "-shm", lockFile })
            {
                File.Delete(file);
            }
        }
    }
}

public sealed class SqliteAvailabilityTests() : StoreAvailabilityContract(new SqliteStoreProvider())
{
    // A file in a folder that does not exist cannot be opened (SQLITE_CANTOPEN), as when the
    // volume holding the database went away.
    protected override IMetadataStore CreateUnreachableStore() =>
        new SqliteMetadataStore(Path.Combine(Path.GetTempPath(), $"cairn-missing-{Guid.NewGuid():N}", "cairn.db"));
}
