using Cairn.Store.Sqlite.Tests.Contracts;

namespace Cairn.Store.Sqlite.Tests.Sqlite;

public sealed class SqliteTaskStoreTests() : TaskStoreContract(new SqliteStoreProvider());
