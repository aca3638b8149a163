using Npgsql;

namespace Cairn.Store.Postgres;

/// <summary>Conversions between domain values and their stored form, the same as the SQLite store's.</summary>
internal static class PostgresValues
{
    public static long ToDb(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset ToDateTime(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Binds a value, null as SQL NULL.</summary>
    public static NpgsqlParameter Add(this NpgsqlCommand command, string name, object? value) =>
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);

    /// <summary>Binds <paramref name="values"/> as one text[] parameter, for <c>x = ANY(@name)</c>.</summary>
    public static NpgsqlParameter AddTextArray(this NpgsqlCommand command, string name, IEnumerable<string> values) =>
        command.Parameters.Add(new NpgsqlParameter<string[]>(name, NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text)
        {
            TypedValue = values.ToArray(),
        });
}

/// <summary>Helpers of the document stores (models, tasks, events).</summary>
internal static class PostgresText
{
    /// <summary>
    /// <paramref name="text"/> as an SQL string literal (standard_conforming_strings, the default
    /// since PostgreSQL 9.1), for names that become part of a statement; null for text a literal
    /// cannot carry (a NUL character).
    /// </summary>
    public static string? Literal(string text) =>
        text.Contains('\0', StringComparison.Ordinal) ? null : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Tags are stored de-duplicated and sorted (ordinal), and returned that way, as in SQLite.</summary>
    public static string[] TagArray(IEnumerable<string> values) => values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    public static System.Text.Json.Nodes.JsonObject? ReadObject(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : System.Text.Json.Nodes.JsonNode.Parse(reader.GetString(ordinal)) as System.Text.Json.Nodes.JsonObject;

    public static DateTimeOffset? ReadTime(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : PostgresValues.ToDateTime(reader.GetInt64(ordinal));

    public static long? Time(DateTimeOffset? value) => value is { } time ? PostgresValues.ToDb(time) : null;

    /// <summary>Binds a bigint[] parameter.</summary>
    public static NpgsqlParameter AddLongArray(this NpgsqlCommand command, string name, IEnumerable<long> values) =>
        command.Parameters.Add(new NpgsqlParameter<long[]>(name, NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint)
        {
            TypedValue = values.ToArray(),
        });

    /// <summary>Binds a text parameter (also for null, which AddWithValue cannot type).</summary>
    public static NpgsqlParameter AddText(this NpgsqlCommand command, string name, string? value) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value });

    /// <summary>Binds a bigint parameter (also for null).</summary>
    public static NpgsqlParameter AddLong(this NpgsqlCommand command, string name, long? value) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Bigint) { Value = (object?)value ?? DBNull.Value });
}
