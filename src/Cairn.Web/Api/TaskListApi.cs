using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol;
using Cairn.Protocol.Services;

namespace Cairn.Web.Api;

/// <summary>A row of a project's task table.</summary>
public sealed record TaskListRow(
    string Id,
    string Name,
    string? Type,
    string? Status,
    EntityRef? Project,
    EntityRef? User,
    DateTimeOffset? Started,
    DateTimeOffset? Updated,
    IReadOnlyList<string> Tags,
    bool Archived)
{
    public string ProjectRoute => Project?.Id ?? "*";

    public static TaskListRow From(JsonObject task) => new(
        Json.String(task["id"]) ?? "",
        Json.String(task["name"]) ?? "",
        Json.String(task["type"]),
        Json.String(task["status"]),
        EntityRef.From(task["project"]),
        EntityRef.From(task["user"]),
        Json.Date(task["started"]),
        Json.Date(task["last_update"]),
        Json.Strings(task["tags"]),
        Json.Strings(task["system_tags"]).Contains("archived"));
}

/// <summary>How a <c>tasks.*_many</c> call went: how many succeeded, and the first refusal's message.</summary>
public sealed record BatchOutcome(int Succeeded, int Failed, string? FirstError);

/// <summary>The task table's calls, with Protocol's typed requests.</summary>
public static class TaskListApi
{
    /// <summary>One page of tasks, from <c>tasks.get_all_ex</c>.</summary>
    public static async Task<List<TaskListRow>> GetTasksAsync(this CairnApi api, GetAllTasksRequest request, CancellationToken cancellationToken = default)
    {
        var data = await api.CallAsync("tasks.get_all_ex", Body(request), cancellationToken).ConfigureAwait(false);
        return [.. (data["tasks"] as JsonArray ?? []).OfType<JsonObject>().Select(TaskListRow.From)];
    }

    /// <summary>The task types in use in <paramref name="projectId"/> (and its subprojects), or everywhere for <c>*</c>.</summary>
    public static async Task<List<string>> GetTaskTypesAsync(this CairnApi api, string projectId, CancellationToken cancellationToken = default)
    {
        var request = new GetTaskTypesRequest { Projects = projectId == "*" ? null : [projectId] };
        var data = await api.CallAsync("tasks.get_types", Body(request), cancellationToken).ConfigureAwait(false);
        return [.. Json.Strings(data["types"]).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Runs <c>tasks.archive_many</c>, <c>tasks.unarchive_many</c> or <c>tasks.delete_many</c> on
    /// <paramref name="ids"/>. Deleting keeps the tasks' output models (ClearML's UI asks; the
    /// registry's models outlive the run that made them unless deleted on their own).
    /// </summary>
    /// <exception cref="ApiException">The API refused the whole call.</exception>
    public static async Task<BatchOutcome> RunTaskBatchAsync(this CairnApi api, string endpoint, IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        var request = new TaskBatchRequest { Ids = [.. ids], Force = true, DeleteOutputModels = false };
        var data = await api.CallAsync(endpoint, Body(request), cancellationToken).ConfigureAwait(false);
        var failed = (data["failed"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        return new BatchOutcome((data["succeeded"] as JsonArray)?.Count ?? 0, failed.Count,
            failed.Count > 0 ? Json.String(failed[0]["error"]?["msg"]) ?? "refused" : null);
    }

    private static JsonObject Body<T>(T request) =>
        JsonSerializer.SerializeToNode(request, ClearmlJson.TypeInfo<T>()) as JsonObject ?? [];
}
