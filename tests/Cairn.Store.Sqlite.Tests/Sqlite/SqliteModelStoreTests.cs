using Cairn.Store.Contracts;

namespace Cairn.Store.Sqlite.Tests.Sqlite;

public sealed class SqliteModelStoreTests() : ModelStoreContract(new SqliteStoreProvider())
{
    protected override async Task<string?> GetTaskOutputErrorAsync(string taskId)
    {
        await using var connection = await SqliteStoreProvider.OpenConnectionAsync(Store);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT json_extract(output, '$.error') FROM tasks WHERE id = $id";
        command.Parameters.AddWithValue("$id", taskId);
        return await command.ExecuteScalarAsync() as string;
    }
}
