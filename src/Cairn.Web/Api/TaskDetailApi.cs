using System.Text.Json.Nodes;
using Cairn.Protocol.Services;

namespace Cairn.Web.Api;

/// <summary>The task reads of the task page and the lineage view.</summary>
public static class TaskDetailApi
{
    /// <summary>The most tasks the lineage view lists as consumers of one model.</summary>
    public const int ConsumerLimit = 100;

    public static async Task<TaskDetail?> GetTaskOrNullAsync(this CairnApi api, string id, CancellationToken cancellationToken = default)
    {
        try
        {
            var tasks = await QueryAsync(api, new GetAllTasksRequest { Id = [id] }, 1, cancellationToken).ConfigureAwait(false);
            return tasks.Count > 0 ? tasks[0] : null;
        }
        catch (ApiException e) when (e.Code == 400)
        {
            return null;
        }
    }

    /// <summary>
    /// The task with its project's and user's names filled in where <c>tasks.get_all_ex</c> left
    /// them out (it joins <c>project.name</c> and <c>user.name</c>, but a deleted project or user
    /// has none): the project is read by id and the user is named when it is the signed-in user.
    /// </summary>
    public static async Task<TaskDetail> WithNamesAsync(this CairnApi api, TaskDetail task, CancellationToken cancellationToken = default)
    {
        if (task.Project is { Name: null } project && await api.GetProjectOrNullAsync(project.Id, cancellationToken).ConfigureAwait(false) is { } named)
        {
            task = task with { Project = named };
        }
        if (task.User is { Name: null } user)
        {
            var current = await api.CallAsync("users.get_current_user", null, cancellationToken).ConfigureAwait(false);
            if (current["user"] is JsonObject me && Json.String(me["id"]) == user.Id)
            {
                task = task with { User = new EntityRef(user.Id, Json.String(me["name"])) };
            }
        }
        return task;
    }

    /// <summary>Tasks whose input models include the model (<c>models.input.model</c>), newest first.</summary>
    public static Task<IReadOnlyList<TaskDetail>> GetConsumersAsync(this CairnApi api, string modelId, CancellationToken cancellationToken = default) =>
        QueryAsync(api, new GetAllTasksRequest { InputModel = [modelId], OrderBy = ["-last_update"] }, ConsumerLimit, cancellationToken);

    /// <summary>Models whose parent is the model, newest first.</summary>
    public static async Task<IReadOnlyList<EntityRef>> GetChildModelsAsync(this CairnApi api, string modelId, CancellationToken cancellationToken = default)
    {
        var data = await api.CallAsync("models.get_all_ex", new GetAllModelsRequest
        {
            Parent = [modelId],
            OnlyFields = ["id", "name"],
            OrderBy = ["-created"],
            Size = ConsumerLimit,
        }, cancellationToken).ConfigureAwait(false);
        return [.. (data["models"] as JsonArray ?? []).Select(EntityRef.From).OfType<EntityRef>()];
    }

    /// <summary>Model names by id (for a task's model lists), one call.</summary>
    public static async Task<IReadOnlyDictionary<string, ModelDetail>> GetModelsByIdAsync(this CairnApi api, IEnumerable<string> ids, CancellationToken cancellationToken = default)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            return new Dictionary<string, ModelDetail>();
        }
        var models = await api.GetModelsAsync(distinct, cancellationToken).ConfigureAwait(false);
        return models.ToDictionary(m => m.Id, StringComparer.Ordinal);
    }

    private static async Task<IReadOnlyList<TaskDetail>> QueryAsync(CairnApi api, GetAllTasksRequest filter, int size, CancellationToken cancellationToken)
    {
        filter.OnlyFields = [.. TaskDetail.Fields];
        filter.Size = size;
        var data = await api.CallAsync("tasks.get_all_ex", filter, cancellationToken).ConfigureAwait(false);
        return [.. (data["tasks"] as JsonArray ?? []).OfType<JsonObject>().Select(TaskDetail.From)];
    }
}
