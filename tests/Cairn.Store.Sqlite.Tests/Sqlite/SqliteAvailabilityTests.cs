using Cairn.Core.Storage;
using Cairn.Store.Contracts;

namespace Cairn.Store.Sqlite.Tests.Sqlite;

public sealed class SqliteDataProtectionKeyStoreTests() : DataProtectionKeyStoreContract(new SqliteStoreProvider());

public sealed class SqliteAvailabilityTests() : StoreAvailabilityContract(new SqliteStoreProvider())
{
    // A file in a folder that does not exist cannot be opened (SQLITE_CANTOPEN), as when the
    // volume holding the database went away.
    protected override IMetadataStore CreateUnreachableStore() =>
        new SqliteMetadataStore(Path.Combine(Path.GetTempPath(), $"cairn-missing-{Guid.NewGuid():N}", "cairn.db"));
}
