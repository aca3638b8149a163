using System.Text.Json.Nodes;
using Cairn.Protocol.Services;

namespace Cairn.Web.Api;

/// <summary>One console line as the SDK reported it (<c>log</c> events).</summary>
public sealed record LogLine(long Timestamp, string? Level, string? Worker, string Message);

/// <summary>A page of a task's console, oldest line first, and how many lines the task has in all.</summary>
public sealed record LogPage(IReadOnlyList<LogLine> Lines, long Total);

/// <summary>One hyperparameter or configuration object (<c>task.connect</c>, <c>connect_configuration</c>).</summary>
public sealed record TaskParameter(string Name, string? Value, string? Type, string? Description);

/// <summary>A hyperparameter section (<c>General</c>, <c>Args</c>, …) and its parameters by name.</summary>
public sealed record ParameterSection(string Name, IReadOnlyList<TaskParameter> Parameters);

/// <summary>What the CONFIGURATION and INFO tabs show: parameters, configuration objects, the script and the parent.</summary>
public sealed record TaskSettings(
    IReadOnlyList<ParameterSection> Hyperparameters,
    IReadOnlyList<TaskParameter> Configurations,
    IReadOnlyList<KeyValuePair<string, string>> Script,
    string? Diff,
    string? Requirements,
    EntityRef? Parent);

/// <summary>The reads of the task page's tabs beyond the task itself.</summary>
public static class TaskTabsApi
{
    /// <summary>Console lines read per page: the latest first, earlier ones on demand, never the whole log.</summary>
    public const int LogPageSize = 100;

    /// <summary>
    /// The <paramref name="take"/> console lines before <paramref name="before"/> (epoch ms), or the
    /// last ones without it, from <c>events.get_task_log</c>; returned oldest first.
    /// </summary>
    public static async Task<LogPage> GetLogAsync(this CairnApi api, string taskId, long? before = null, int take = LogPageSize, CancellationToken cancellationToken = default)
    {
        var data = await api.CallAsync("events.get_task_log",
            new GetTaskLogRequest { Task = taskId, BatchSize = take, NavigateEarlier = true, FromTimestamp = before }, cancellationToken).ConfigureAwait(false);
        var lines = (data["events"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(e => new LogLine(Json.Long(e["timestamp"]), Json.String(e["level"]), Json.String(e["worker"]), Json.String(e["msg"]) ?? ""))
            .Reverse()
            .ToList();
        return new LogPage(lines, Json.Long(data["total"]));
    }

    /// <summary>The task's hyperparameters, configuration objects, script and parent, in one <c>tasks.get_all_ex</c>.</summary>
    public static async Task<TaskSettings?> GetSettingsAsync(this CairnApi api, string taskId, CancellationToken cancellationToken = default)
    {
        var data = await api.CallAsync("tasks.get_all_ex", new GetAllTasksRequest
        {
            Id = [taskId],
            OnlyFields = ["id", "hyperparams", "configuration", "script", "parent", "parent.name"],
            Size = 1,
        }, cancellationToken).ConfigureAwait(false);
        return (data["tasks"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault() is { } task ? From(task) : null;
    }

    public static TaskSettings From(JsonObject task)
    {
        var sections = (task["hyperparams"] as JsonObject ?? [])
            .Where(s => s.Value is JsonObject)
            .Select(s => new ParameterSection(s.Key, [.. ((JsonObject)s.Value!)
                .Select(p => Parameter(p.Key, p.Value))
                .OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)]))
            .Where(s => s.Parameters.Count > 0)
            .OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
        var configurations = (task["configuration"] as JsonObject ?? [])
            .Select(c => Parameter(c.Key, c.Value))
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
        var script = new List<KeyValuePair<string, string>>();
        foreach (var (field, label) in new[]
        {
            ("repository", "Repository"), ("branch", "Branch"), ("version_num", "Commit"), ("tag", "Tag"),
            ("entry_point", "Entry point"), ("working_dir", "Working directory"),
        })
        {
            if (Json.String(task["script"]?[field]) is { Length: > 0 } value)
            {
                script.Add(new(label, value));
            }
        }
        var requirements = task["script"]?["requirements"] switch
        {
            JsonObject r => string.Join("\n", r.Select(kv => kv.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : kv.Value?.ToJsonString() ?? "")),
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => null,
        };
        return new TaskSettings(sections, configurations, script, Json.String(task["script"]?["diff"]) is { Length: > 0 } diff ? diff : null,
            requirements is { Length: > 0 } ? requirements.Trim() : null, EntityRef.From(task["parent"]));
    }

    private static TaskParameter Parameter(string key, JsonNode? node) => node switch
    {
        JsonObject p => new TaskParameter(Json.String(p["name"]) ?? key, ValueText(p["value"]), Json.String(p["type"]), Json.String(p["description"])),
        _ => new TaskParameter(key, ValueText(node), null, null),
    };

    private static string? ValueText(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
