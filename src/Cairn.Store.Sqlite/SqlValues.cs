using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite;

/// <summary>Conversions between domain values and their stored form.</summary>
internal static class SqlValues
{
    public static long ToDb(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset ToDateTime(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static string ToJsonArray(IEnumerable<string> values) => JsonSerializer.Serialize(values.ToArray());

    public static IReadOnlyList<string> FromJsonArray(string json) => JsonSerializer.Deserialize<string[]>(json) ?? [];

    /// <summary>Tags are stored de-duplicated and sorted (ordinal), and returned that way.</summary>
    public static string ToTagArray(IEnumerable<string> values) =>
        ToJsonArray(values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>
    /// <paramref name="text"/> as an SQL string literal, for names that become part of a
    /// statement (metadata keys); null for text a literal cannot carry (a NUL character).
    /// </summary>
    public static string? Literal(string text) =>
        text.Contains('\0', StringComparison.Ordinal) ? null : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string? GetStringOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>
    /// Binds <paramref name="values"/> as one JSON array parameter and returns the subquery that
    /// lists them, for <c>x IN (...)</c>: one variable however many values (SQLite allows few).
    /// </summary>
    public static string AddList(this SqliteCommand command, string name, IEnumerable<string> values)
    {
        command.Add(name, ToJsonArray(values));
        return $"(SELECT value FROM json_each({name}))";
    }

    public static SqliteParameter Add(this SqliteCommand command, string name, object? value) =>
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
}
