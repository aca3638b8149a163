using System.Text.Json.Nodes;

namespace Cairn.Web.Api;

/// <summary>A model a task used or produced, under the task-local name the SDK gave it.</summary>
public sealed record TaskModelLink(string Name, string ModelId);

/// <summary>A task artifact as the SDK registers it (<c>execution.artifacts[]</c>).</summary>
public sealed record TaskArtifact(
    string Key, string? Type, string? Mode, string? Uri, long? Size, string? Hash, string? Preview, IReadOnlyList<KeyValuePair<string, string>> DisplayData);

/// <summary>A task as the task page and the lineage graph show it.</summary>
public sealed record TaskDetail(
    string Id,
    string Name,
    string? Status,
    string? Type,
    EntityRef? Project,
    EntityRef? User,
    DateTimeOffset? Created,
    DateTimeOffset? Started,
    DateTimeOffset? Completed,
    DateTimeOffset? Updated,
    string? Comment,
    IReadOnlyList<string> Tags,
    IReadOnlyList<TaskModelLink> InputModels,
    IReadOnlyList<TaskModelLink> OutputModels,
    IReadOnlyList<TaskArtifact> Artifacts)
{
    public static readonly string[] Fields =
    [
        "id", "name", "status", "type", "project", "project.name", "user", "user.name", "created", "started", "completed", "last_update",
        "comment", "tags", "models", "execution.artifacts",
    ];

    /// <summary>The route segment for links: the task's project, or every project when it has none.</summary>
    public string ProjectRoute => Project?.Id ?? "*";

    public static TaskDetail From(JsonObject task) => new(
        Json.String(task["id"]) ?? "",
        Json.String(task["name"]) ?? "",
        Json.String(task["status"]),
        Json.String(task["type"]),
        EntityRef.From(task["project"]),
        EntityRef.From(task["user"]),
        Json.Date(task["created"]),
        Json.Date(task["started"]),
        Json.Date(task["completed"]),
        Json.Date(task["last_update"]),
        Json.String(task["comment"]),
        Json.Strings(task["tags"]),
        Models(task["models"]?["input"]),
        Models(task["models"]?["output"]),
        [.. (task["execution"]?["artifacts"] as JsonArray ?? []).OfType<JsonObject>().Select(Artifact)]);

    private static List<TaskModelLink> Models(JsonNode? node) =>
        [.. (node as JsonArray ?? []).OfType<JsonObject>()
            .Where(m => Json.String(m["model"]) is { Length: > 0 })
            .Select(m => new TaskModelLink(Json.String(m["name"]) ?? "", Json.String(m["model"])!))];

    private static TaskArtifact Artifact(JsonObject artifact)
    {
        var display = new List<KeyValuePair<string, string>>();
        foreach (var pair in (artifact["display_data"] as JsonArray ?? []).OfType<JsonArray>().Where(p => p.Count >= 2))
        {
            display.Add(new(pair[0]?.ToString() ?? "", pair[1]?.ToString() ?? ""));
        }
        return new TaskArtifact(
            Json.String(artifact["key"]) ?? "",
            Json.String(artifact["type"]),
            Json.String(artifact["mode"]),
            Json.String(artifact["uri"]),
            ModelDetail.Number(artifact["content_size"]) is { } size ? (long)size : null,
            Json.String(artifact["hash"]),
            Json.String(artifact["type_data"]?["preview"]),
            display);
    }
}
