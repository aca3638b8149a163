namespace Cairn.Store.Sqlite;

/// <summary>Names of many entities in one query, for the joins of the <c>_ex</c> endpoints.</summary>
internal static class NameLookup
{
    /// <param name="database">The store's database.</param>
    /// <param name="table">A table with <c>id</c>, <c>name</c> and (unless <paramref name="company"/> is null) <c>company</c> columns.</param>
    /// <param name="company">Limits the lookup to the company's and public rows; null for no limit.</param>
    /// <param name="ids">The ids to look up; unknown ones are left out of the result.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public static async Task<IReadOnlyDictionary<string, string>> GetAsync(
        SqliteDatabase database, string table, string? company, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return names;
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var scope = company is null ? "" : " AND company IN ($company, '')";
        command.CommandText = $"SELECT id, name FROM {table} WHERE id IN {command.AddList("$ids", ids.Distinct())}{scope}";
        command.Add("$company", company);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }
        return names;
    }
}
