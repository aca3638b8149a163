using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Web.Api;

namespace Cairn.Web.Models;

/// <summary>A model as a table row; the document stays for metadata and metric columns.</summary>
public sealed record ModelRow(
    string Id,
    string Name,
    string? Framework,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> SystemTags,
    bool Published,
    string? ProjectId,
    string? ProjectName,
    string? UserId,
    string? UserName,
    string? TaskId,
    string? TaskName,
    DateTimeOffset? LastUpdate,
    string? Comment,
    string? Uri,
    JsonObject Document)
{
    public bool Archived => SystemTags.Contains("archived");

    public static ModelRow FromDocument(JsonObject model) => new(
        Json.String(model["id"]) ?? "",
        Json.String(model["name"]) ?? "",
        Json.String(model["framework"]),
        Json.Strings(model["tags"]),
        Json.Strings(model["system_tags"]),
        Json.Bool(model["ready"]),
        Json.String(model["project"]?["id"]),
        Json.String(model["project"]?["name"]),
        Json.String(model["user"]?["id"]),
        Json.String(model["user"]?["name"]),
        Json.String(model["task"]?["id"]),
        Json.String(model["task"]?["name"]),
        Json.Date(model["last_update"]) ?? Json.Date(model["created"]),
        Json.String(model["comment"]),
        Json.String(model["uri"]),
        model);

    /// <summary>The text a column shows for this row (also what CSV export writes).</summary>
    public string Text(string column) => column switch
    {
        "id" => Id,
        "name" => Name,
        "framework" => Framework ?? "",
        "tags" => string.Join(", ", Tags),
        "ready" => Published ? "Published" : "Draft",
        "project.name" => ProjectName ?? "",
        "user.name" => UserName ?? "",
        "task.name" => TaskName ?? "",
        "last_update" => LastUpdate?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "",
        "comment" => Comment ?? "",
        _ when column.StartsWith("meta.", StringComparison.Ordinal) => MetadataValue(column[5..]) ?? "",
        _ when MetricColumn.TryParse(column, out var metric) => MetricValue(metric) is { } value ? value.ToString("R", CultureInfo.InvariantCulture) : "",
        _ => "",
    };

    /// <summary>
    /// The value of metadata <paramref name="key"/>. The API keys the entries by the escaped key
    /// (<c>a.b</c> is <c>a%2Eb</c>); each entry carries the key as given, which is what is matched.
    /// </summary>
    public string? MetadataValue(string key) =>
        (Document["metadata"] as JsonObject)?.Select(entry => entry.Value)
            .FirstOrDefault(entry => entry?["key"]?.GetValueKind() == JsonValueKind.String && entry["key"]!.GetValue<string>() == key)?["value"]?.ToString();

    public double? MetricValue(MetricColumn metric) =>
        Document["last_metrics"]?[metric.MetricHash]?[metric.VariantHash]?[metric.Value] is JsonValue value && value.TryGetValue<double>(out var number)
            ? number
            : null;
}
