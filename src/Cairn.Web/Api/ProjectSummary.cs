using System.Text.Json.Nodes;
using Cairn.Protocol.Services;

namespace Cairn.Web.Api;

/// <summary>
/// A project as the pages show it: names, counts of its own models and tasks, and its subprojects.
/// <see cref="AllModels"/> adds its subprojects' models, once the page has them (<see cref="ChildrenWithSubprojectModels"/>).
/// </summary>
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
    /// <summary>The project's own models and those of every subproject.</summary>
    public long AllModels { get; init; } = Models;

    /// <summary>The direct children of <paramref name="parentId"/> (null for the top level) among
    /// <paramref name="projects"/>, each counting its subprojects' models (found in the same list) too.</summary>
    public static List<ProjectSummary> ChildrenWithSubprojectModels(IReadOnlyList<ProjectSummary> projects, string? parentId)
    {
        // Each project's models count once for every ancestor it has: one pass, however deep the tree.
        var below = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var project in projects)
        {
            foreach (var ancestor in project.AncestorIds.OfType<string>())
            {
                below[ancestor] = below.GetValueOrDefault(ancestor) + project.Models;
            }
        }
        return [.. projects
            .Where(p => (p.AncestorIds.Count == 0 ? null : p.AncestorIds[^1]) == parentId)
            .Select(p => p with { AllModels = p.Models + below.GetValueOrDefault(p.Id) })];
    }

    private const int PageSize = 500;

    /// <summary>At most this many pages (10,000 projects) for one page of the UI.</summary>
    private const int MaxPages = 20;

    /// <summary>
    /// <c>projects.get_all_ex</c> with own-content counts and subprojects, ordered by name (case-insensitive);
    /// <paramref name="body"/> carries the filter (<c>id</c>, <c>parent</c>, <c>shallow_search</c>).
    /// </summary>
    public static async Task<List<ProjectSummary>> QueryAsync(CairnApi api, GetAllProjectsRequest body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        body.CheckOwnContents = true;
        body.IncludeStats = true;
        body.OrderBy = ["name"];
        body.OnlyFields = ["id", "name", "description", "last_update", "parent", "path"];
        // Page by page: a whole subtree can be more than the API's largest page.
        var projects = new List<ProjectSummary>();
        for (var page = 0; page < MaxPages; page++)
        {
            body.Page = page;
            body.PageSize = PageSize;
            var data = await api.CallAsync("projects.get_all_ex", body, cancellationToken).ConfigureAwait(false);
            var documents = (data["projects"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            projects.AddRange(documents.Select(FromDocument));
            if (documents.Count < PageSize)
            {
                break;
            }
        }
        // The store sorts case-sensitively (every "B" before "a"); people read names the other way.
        return [.. projects.OrderBy(p => p.Name, ProjectName.Comparer)];
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
    /// <summary>The order projects are listed in: case-insensitive, ties broken by the exact name so the order is stable.</summary>
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create((a, b) =>
        StringComparer.OrdinalIgnoreCase.Compare(a, b) is var order and not 0 ? order : StringComparer.Ordinal.Compare(a, b));

    public static string Base(string name) => name[(name.LastIndexOf('/') + 1)..];

    public static string? Parent(string name) => name.LastIndexOf('/') is var slash and > 0 ? name[..slash] : null;

    public static IReadOnlyList<string> Segments(string name) => name.Split('/');
}
