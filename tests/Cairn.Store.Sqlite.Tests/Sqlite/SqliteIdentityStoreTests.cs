using Cairn.Store.Sqlite.Tests.Contracts;

namespace Cairn.Store.Sqlite.Tests.Sqlite;

public sealed class SqliteIdentityStoreTests() : IdentityStoreContract(new SqliteStoreProvider());
