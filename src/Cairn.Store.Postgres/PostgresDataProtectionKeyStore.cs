using Cairn.Core.Storage;

namespace Cairn.Store.Postgres;

internal sealed class PostgresDataProtectionKeyStore(PostgresDatabase database) : IDataProtectionKeyStore
{
    public async Task<IReadOnlyList<string>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT xml FROM data_protection_keys ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var elements = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            elements.Add(reader.GetString(0));
        }
        return elements;
    }

    public async Task AddAsync(string friendlyName, string xml, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml)";
        command.Add("name", friendlyName);
        command.Add("xml", xml);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
