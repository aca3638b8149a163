using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Cairn.Reporting;

/// <summary>
/// Reads a CSV file for <see cref="Model.ReportTable"/> the way ClearML does (pandas, first column
/// as the index): the index header plain, every other header in a one-item list, values by column.
/// </summary>
internal static class CsvTable
{
    public static (JsonArray Headers, JsonArray Columns) Read(string path)
    {
        using var reader = new StreamReader(path);
        var header = ReadRecord(reader) ?? throw new ArgumentException($"The CSV file '{path}' is empty.", nameof(path));
        var columns = header.Select(_ => new JsonArray()).ToList();
        while (ReadRecord(reader) is { } record)
        {
            for (var i = 0; i < columns.Count; i++)
            {
                columns[i].Add(i < record.Count ? Value(record[i]) : null);
            }
        }
        var headers = new JsonArray();
        for (var i = 0; i < header.Count; i++)
        {
            headers.Add(i == 0 ? JsonValue.Create(header[0]) : new JsonArray(JsonValue.Create(header[i])));
        }
        return (headers, new JsonArray([.. columns.Cast<JsonNode>()]));
    }

    private static JsonNode? Value(string text) =>
        text.Length == 0 ? null
        : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) ? JsonValue.Create(whole)
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? PlotlyJson.Number(number)
        : JsonValue.Create(text);

    /// <summary>One RFC 4180 record (quoted fields may hold commas, quotes and line breaks); null at the end.</summary>
    private static List<string>? ReadRecord(StreamReader reader)
    {
        if (reader.Peek() < 0)
        {
            return null;
        }
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        while (true)
        {
            var next = reader.Read();
            if (next < 0)
            {
                fields.Add(field.ToString());
                return fields;
            }
            var c = (char)next;
            if (quoted)
            {
                if (c == '"' && reader.Peek() == '"')
                {
                    reader.Read();
                    field.Append('"');
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && reader.Peek() == '\n')
                {
                    reader.Read();
                }
                fields.Add(field.ToString());
                return fields;
            }
            else
            {
                field.Append(c);
            }
        }
    }
}
