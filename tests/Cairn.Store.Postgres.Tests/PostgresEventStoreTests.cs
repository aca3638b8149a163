using Cairn.Store.Contracts;

namespace Cairn.Store.Postgres.Tests;

public sealed class PostgresEventStoreTests() : EventStoreContract(new PostgresStoreProvider());
