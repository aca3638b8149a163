namespace Cairn.Web.Models;

/// <summary>Header titles of the model table's columns.</summary>
public static class ModelColumns
{
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
