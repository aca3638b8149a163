using Cairn.Store.Contracts;

namespace Cairn.Store.Postgres.Tests;

public sealed class PostgresTaskStoreTests() : TaskStoreContract(new PostgresStoreProvider());
