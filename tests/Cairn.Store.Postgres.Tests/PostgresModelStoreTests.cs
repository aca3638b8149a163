using Cairn.Store.Contracts;
using Npgsql;

namespace Cairn.Store.Postgres.Tests;

public sealed class PostgresModelStoreTests() : ModelStoreContract(new PostgresStoreProvider())
{
    protected override async Task<string?> GetTaskOutputErrorAsync(string taskId)
    {
        await using var connection = await PostgresStoreProvider.OpenConnectionAsync(Store);
        await using var command = new NpgsqlCommand("SELECT output::json ->> 'error' FROM tasks WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", taskId);
        return await command.ExecuteScalarAsync() as string;
    }
}
