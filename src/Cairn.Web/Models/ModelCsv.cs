using System.Text;

namespace Cairn.Web.Models;

/// <summary>The rows on screen as CSV (RFC 4180), with the visible columns in their order.</summary>
public static class ModelCsv
{
    public static string Write(IReadOnlyList<string> columns, IEnumerable<ModelRow> rows)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', columns.Select(c => Quote(ModelColumns.Title(c)))).Append("\r\n");
        foreach (var row in rows)
        {
            csv.AppendJoin(',', columns.Select(c => Quote(row.Text(c)))).Append("\r\n");
        }
        return csv.ToString();
    }

    private static string Quote(string value)
    {
        // A leading =, +, - or @ would run as a formula in a spreadsheet.
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
