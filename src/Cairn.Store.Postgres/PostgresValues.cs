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
