using Cairn.Store.Contracts;

namespace Cairn.Store.Sqlite.Tests.Sqlite;

public sealed class SqliteFileStoreTests() : FileStoreContract(new SqliteStoreProvider());
