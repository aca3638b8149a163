using Cairn.Core.Storage;

namespace Cairn.Store.Sqlite;

internal sealed class SqliteFileStore(SqliteDatabase database) : IFileStore
{
    private readonly SqliteDatabase _database = database;
}
