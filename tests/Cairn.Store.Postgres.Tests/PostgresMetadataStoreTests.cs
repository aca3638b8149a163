using Cairn.Store.Contracts;

namespace Cairn.Store.Postgres.Tests;

public sealed class PostgresMetadataStoreTests() : MetadataStoreContract(new PostgresStoreProvider());
