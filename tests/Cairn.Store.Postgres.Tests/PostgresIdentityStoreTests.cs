using Cairn.Store.Contracts;

namespace Cairn.Store.Postgres.Tests;

public sealed class PostgresIdentityStoreTests() : IdentityStoreContract(new PostgresStoreProvider());
