using Cairn.Store.Contracts;

namespace Cairn.Store.Postgres.Tests;

public sealed class PostgresFileStoreTests() : FileStoreContract(new PostgresStoreProvider());
