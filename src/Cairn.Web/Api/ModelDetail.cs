using System.Text.Json.Nodes;

namespace Cairn.Web.Api;

/// <summary>A reference to another entity as <c>_ex</c> calls return it: an id and, when joined, its name.</summary>
public sealed record EntityRef(string Id, string? Name)
{
    public string Label => string.IsNullOrEmpty(Name) ? Id : Name;

    public static EntityRef? From(JsonNode? node) => node switch
    {
        JsonObject o when Json.String(o["id"]) is { Length: > 0 } id => new EntityRef(id, Json.String(o["name"])),
        JsonValue when Json.String(node) is { Length: > 0 } id => new EntityRef(id, null),
        _ => null,
    };
}

/// <summary>One metadata entry of a model: ClearML keeps a type and a string value under each key.</summary>
public sealed record MetadataEntry(string Key, string Type, string Value);

/// <summary>One label of the label enumeration (ClearML allows a null id).</summary>
public sealed record LabelEntry(string Label, long? Id);

/// <summary>The last, min and max of one scalar series, from the model's <c>last_metrics</c>.</summary>
public sealed record MetricSummary(string Metric, string Variant, double? Last, double? Min, double? Max);

/// <summary>A model as the detail page shows it, read from <c>models.get_by_id_ex</c>.</summary>
public sealed record ModelDetail(
    string Id,
    string Name,
    DateTimeOffset? Created,
    DateTimeOffset? Updated,
    string? Framework,
    bool Ready,
    string? Uri,
    EntityRef? User,
    EntityRef? Task,
    EntityRef? Parent,
    EntityRef? Project,
    string? Comment,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> SystemTags,
    string DesignKey,
    string? Design,
    IReadOnlyList<LabelEntry> Labels,
    IReadOnlyList<MetadataEntry> Metadata,
    IReadOnlyList<MetricSummary> Metrics)
{
    /// <summary>The SDK keys under which the .NET SDK records the weights file's size and hash.</summary>
    public const string Sha256Key = "cairn.sha256";

    public const string SizeKey = "cairn.size";

    public bool Archived => SystemTags.Contains("archived");

    /// <summary>The creating task's project (<c>task.project</c>), for links to the task under it.</summary>
    public string? TaskProjectId { get; init; }

    public string? MetadataValue(string key) => Metadata.FirstOrDefault(m => m.Key == key)?.Value;

    /// <summary>The fields the page asks for; references are joined with their names.</summary>
    public static readonly string[] Fields =
    [
        "id", "name", "created", "last_update", "framework", "ready", "uri", "user.name", "task.name", "task.project",
        "parent.name", "project.name", "comment", "tags", "system_tags", "design", "labels", "metadata", "last_metrics",
    ];

    public static ModelDetail From(JsonObject model)
    {
        var (designKey, design) = ReadDesign(model["design"]);
        return new ModelDetail(
            Json.String(model["id"]) ?? "",
            Json.String(model["name"]) ?? "",
            Json.Date(model["created"]),
            Json.Date(model["last_update"]),
            Json.String(model["framework"]),
            Json.Bool(model["ready"]),
            Json.String(model["uri"]),
            EntityRef.From(model["user"]),
            EntityRef.From(model["task"]),
            EntityRef.From(model["parent"]),
            EntityRef.From(model["project"]),
            Json.String(model["comment"]),
            Json.Strings(model["tags"]),
            Json.Strings(model["system_tags"]),
            designKey,
            design,
            ReadLabels(model["labels"]),
            ReadMetadata(model["metadata"]),
            ReadMetrics(model["last_metrics"]))
        {
            TaskProjectId = Json.String(model["task"]?["project"]?["id"]),
        };
    }

    /// <summary>
    /// ClearML stores the design as an object with one key (the SDK writes <c>design</c>); the
    /// text is that key's value, and saving keeps the key.
    /// </summary>
    private static (string Key, string? Text) ReadDesign(JsonNode? node)
    {
        if (node is JsonObject design && design.Count > 0)
        {
            var (key, value) = design.First();
            return (key, value is JsonValue ? Json.String(value) ?? value.ToJsonString() : value?.ToJsonString());
        }
        return ("design", Json.String(node));
    }

    private static List<LabelEntry> ReadLabels(JsonNode? node) =>
        node is JsonObject labels
            ? [.. labels.Select(l => new LabelEntry(l.Key, l.Value is null ? null : Json.Long(l.Value))).OrderBy(l => l.Id ?? long.MaxValue).ThenBy(l => l.Label, StringComparer.Ordinal)]
            : [];

    private static List<MetadataEntry> ReadMetadata(JsonNode? node) =>
        node is JsonObject metadata
            ? [.. metadata.Select(m => new MetadataEntry(Json.String(m.Value?["key"]) ?? m.Key, Json.String(m.Value?["type"]) ?? "", Json.String(m.Value?["value"]) ?? ""))
                .OrderBy(m => m.Key, StringComparer.Ordinal)]
            : [];

    internal static double? Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.Number ? value.GetValue<double>() : null;

    private static List<MetricSummary> ReadMetrics(JsonNode? node)
    {
        var metrics = new List<MetricSummary>();
        if (node is not JsonObject byMetric)
        {
            return metrics;
        }
        foreach (var variants in byMetric.Select(m => m.Value).OfType<JsonObject>())
        {
            foreach (var value in variants.Select(v => v.Value).OfType<JsonObject>())
            {
                metrics.Add(new MetricSummary(Json.String(value["metric"]) ?? "", Json.String(value["variant"]) ?? "",
                    Number(value["value"]), Number(value["min_value"]), Number(value["max_value"])));
            }
        }
        return [.. metrics.OrderBy(m => m.Metric, StringComparer.Ordinal).ThenBy(m => m.Variant, StringComparer.Ordinal)];
    }
}
