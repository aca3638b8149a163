using Cairn.Core.Storage;

namespace Cairn.Store.Sqlite;

internal sealed class SqliteEventStore(SqliteDatabase database) : IEventStore
{
    private readonly SqliteDatabase _database = database;
}
