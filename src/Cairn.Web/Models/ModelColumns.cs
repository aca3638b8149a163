namespace Cairn.Web.Models;

/// <summary>Header titles and widths of the model table's columns.</summary>
public static class ModelColumns
{
    /// <summary>The name column takes what the others leave, and never less than this.</summary>
    public const int NameMinWidth = 200;

    /// <summary>The checkbox and row-menu columns.</summary>
    public const int FrameWidth = 42 + 44;

    /// <summary>
    /// A column's width in pixels, or null for the name. The defaults add up to 1154 px, so they fit
    /// the 1162 px a 1440 px window leaves beside the open menu; longer values end in an ellipsis.
    /// </summary>
    public static int? Width(string column) => column switch
    {
        "name" => null,
        "framework" => 118,
        "tags" => 150,
        "ready" => 100,
        "project.name" => 140,
        "user.name" => 110,
        "task.name" => 140,
        "last_update" => 110,
        "id" => 270,
        "comment" => 220,
        _ when MetricColumn.TryParse(column, out _) => 170,
        _ => 140,
    };

    /// <summary>The table's narrowest width for these columns: below it, the table scrolls sideways.</summary>
    public static int MinTableWidth(IEnumerable<string> columns) =>
        FrameWidth + columns.Sum(c => Width(c) ?? NameMinWidth);

    public static string Title(string column) => column switch
    {
        "id" => "ID",
        "framework" => "Framework",
        "name" => "Name",
        "tags" => "Tags",
        "ready" => "Status",
        "project.name" => "Project",
        "user.name" => "User",
        "task.name" => "Task",
        "last_update" => "Updated",
        "comment" => "Description",
        _ when column.StartsWith("meta.", StringComparison.Ordinal) => column[5..],
        _ when MetricColumn.TryParse(column, out var metric) => metric.Title,
        _ => column,
    };
}
