using System.Text.Json.Nodes;
using Cairn.Models;
using Cairn.Protocol.Services;
using Cairn.Session;

namespace Cairn.Experiments;

/// <summary>Resolves project names to ids the way ClearML's SDK does: an anchored, escaped name regex, newest match.</summary>
internal static class ProjectDirectory
{
    /// <summary>The id of the project named exactly <paramref name="name"/>; null when there is none.</summary>
    public static async Task<string?> FindIdAsync(ClearMLSession session, string name, CancellationToken cancellationToken)
    {
        var data = await session.CallAsync("projects.get_all", new JsonObject
        {
            ["name"] = ClearmlText.ExactNameRegex(name),
            ["only_fields"] = new JsonArray("id", "name", "last_update"),
            ["search_hidden"] = true,
            ["shallow_search"] = false,
        }, cancellationToken).ConfigureAwait(false);
        return (data["projects"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .OrderByDescending(p => p["last_update"]?.ToString(), StringComparer.Ordinal)
            .Select(p => p["id"]?.GetValue<string>())
            .FirstOrDefault(id => id is not null);
    }

    /// <summary>The id of the project named <paramref name="name"/>, creating it (and, on the server, its parents) when missing.</summary>
    public static async Task<string> GetOrCreateAsync(ClearMLSession session, string name, CancellationToken cancellationToken)
    {
        if (await FindIdAsync(session, name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }
        try
        {
            var created = await session.CallAsync("projects.create", new JsonObject { ["name"] = name, ["description"] = "" }, cancellationToken).ConfigureAwait(false);
            return created["id"]!.GetValue<string>();
        }
        catch (ClearMLRequestException e) when (e.ResultCode == 400)
        {
            // Another process created it between our lookup and create: use theirs.
            var raced = await FindIdAsync(session, name, cancellationToken).ConfigureAwait(false);
            if (raced is null)
            {
                throw;
            }
            return raced;
        }
    }

    /// <summary>The project's full name and default output destination (<c>projects.get_by_id</c>).</summary>
    public static async Task<(string? Name, string? DefaultOutputDestination)> GetAsync(ClearMLSession session, string projectId, CancellationToken cancellationToken)
    {
        var data = await session.CallAsync("projects.get_by_id", new ProjectRequest { Project = projectId }, cancellationToken).ConfigureAwait(false);
        var project = data["project"] as JsonObject;
        return (project?["name"]?.GetValue<string>(), project?["default_output_destination"] is JsonValue d ? d.ToString() : null);
    }
}
