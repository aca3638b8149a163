using System.Text.Json.Nodes;

namespace Cairn.Web.Api;

/// <summary>A project as the pages show it: names, counts of its own models and tasks, and its subprojects.</summary>
public sealed record ProjectSummary(
    string Id,
    string Name,
    string? Description,
    long Models,
    long Tasks,
    int SubprojectCount,
    DateTimeOffset? LastUpdate,
    IReadOnlyList<string?> AncestorIds)
{
    /// <summary>
    /// <c>projects.get_all_ex</c> with own-content counts and subprojects, ordered by name;
    /// <paramref name="body"/> carries the filter (<c>id</c>, <c>parent</c>, <c>shallow_search</c>).
    /// </summary>
    public static async Task<List<ProjectSummary>> QueryAsync(CairnApi api, JsonObject body, CancellationToken cancellationToken = default)
    {
        body["check_own_contents"] = true;
        body["include_stats"] = true;
        body["order_by"] = new JsonArray("name");
        body["only_fields"] = new JsonArray("id", "name", "description", "last_update", "parent", "path");
        var data = await api.CallAsync("projects.get_all_ex", body, cancellationToken).ConfigureAwait(false);
        return [.. (data["projects"] as JsonArray ?? []).OfType<JsonObject>().Select(FromDocument)];
    }

    private static ProjectSummary FromDocument(JsonObject project) => new(
        Json.String(project["id"]) ?? "",
        Json.String(project["name"]) ?? "",
        Json.String(project["description"]),
        Json.Long(project["own_models"]),
        Json.Long(project["own_tasks"]),
        (project["sub_projects"] as JsonArray)?.Count ?? 0,
        Json.Date(project["last_update"]),
        Json.Strings(project["path"]));
}

/// <summary>ClearML project names are full paths with <c>/</c> between levels.</summary>
public static class ProjectName
{
    public static string Base(string name) => name[(name.LastIndexOf('/') + 1)..];

    public static string? Parent(string name) => name.LastIndexOf('/') is var slash and > 0 ? name[..slash] : null;

    public static IReadOnlyList<string> Segments(string name) => name.Split('/');
}
