using Cairn.Store.Contracts;

namespace Cairn.Store.Postgres.Tests;

public sealed class PostgresSessionStoreTests() : SessionStoreContract(new PostgresStoreProvider());
