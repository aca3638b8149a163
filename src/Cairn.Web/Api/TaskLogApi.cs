using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol;
using Cairn.Protocol.Services;

namespace Cairn.Web.Api;

/// <summary>The live console's read: the lines a running task printed since the last one shown.</summary>
public static class TaskLogApi
{
    /// <summary>
    /// Up to <paramref name="take"/> console lines after <paramref name="after"/> (epoch ms),
    /// oldest first, from <c>events.get_task_log</c> with <c>navigate_earlier: false</c>.
    /// </summary>
    public static async Task<LogPage> GetLogAfterAsync(this CairnApi api, string taskId, long after, int take = TaskTabsApi.LogPageSize, CancellationToken cancellationToken = default)
    {
        var request = new GetTaskLogRequest { Task = taskId, BatchSize = take, NavigateEarlier = false, FromTimestamp = after };
        var body = JsonSerializer.SerializeToNode(request, ClearmlJson.TypeInfo<GetTaskLogRequest>()) as JsonObject ?? [];
        var data = await api.CallAsync("events.get_task_log", body, cancellationToken).ConfigureAwait(false);
        var lines = (data["events"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(e => new LogLine(Json.Long(e["timestamp"]), Json.String(e["level"]), Json.String(e["worker"]), Json.String(e["msg"]) ?? ""))
            .ToList();
        return new LogPage(lines, Json.Long(data["total"]));
    }
}
