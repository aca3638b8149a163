using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cairn.Testing;
using Microsoft.Data.Sqlite;

namespace Cairn.Server.Tests.Hardening;

/// <summary>A hash of everything a server has stored (every row of every table), to show that a refused request wrote nothing.</summary>
internal static class StoreFingerprint
{
    public static async Task<string> OfAsync(TestServer server)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(server.DataDir, "cairn.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var table in tables)
        {
            var rows = new List<string>();
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = new StringBuilder();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row.Append(Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append('\u001f');
                }
                rows.Add(row.ToString());
            }
            rows.Sort(StringComparer.Ordinal);
            hash.AppendData(Encoding.UTF8.GetBytes(table + "\u001e" + string.Join('\u001e', rows)));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
