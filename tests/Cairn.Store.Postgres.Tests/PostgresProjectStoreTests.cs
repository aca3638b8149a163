using Cairn.Store.Contracts;

namespace Cairn.Store.Postgres.Tests;

public sealed class PostgresProjectStoreTests() : ProjectStoreContract(new PostgresStoreProvider());
