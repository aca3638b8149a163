using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Cairn.Protocol;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary>How tasks look on the wire, and the checks every task write shares (api.md §5.1).</summary>
internal static class TaskDocuments
{
    /// <summary>
    /// The task as ClearML returns it. Unset fields are omitted, except the objects the SDK
    /// dereferences without checking (output, execution, models, hyperparams, configuration).
    /// </summary>
    /// <remarks>
    /// A JSON document rather than a Protocol record, as are the model, project and user documents:
    /// <c>only_fields</c> projects it by dotted paths (<c>execution.parameters</c>,
    /// <c>hyperparams.Args.lr</c>), the <c>_ex</c> calls replace references with objects, and its
    /// nested sections (script, hyperparams, configuration, container) are stored as clients sent them.
    /// </remarks>
    public static JsonObject ToDocument(TaskRecord task)
    {
        var document = new JsonObject();
        void Add(string name, JsonNode? value)
        {
            if (value is not null)
            {
                document[name] = value;
            }
        }
        static JsonNode? Date(DateTimeOffset? value) => value is { } date ? ClearmlJson.FormatDate(date) : null;
        static JsonNode? Copy(JsonObject? value) => value?.DeepClone();

        Add("id", task.Id);
        Add("name", task.Name);
        Add("type", task.Type);
        Add("status", task.Status);
        Add("status_reason", task.StatusReason);
        Add("status_message", task.StatusMessage);
        Add("status_changed", Date(task.StatusChanged));
        Add("comment", task.Comment);
        Add("created", Date(task.Created));
        Add("started", Date(task.Started));
        Add("completed", Date(task.Completed));
        Add("published", Date(task.Published));
        Add("active_duration", task.ActiveDuration is { } duration ? (long)Math.Round(duration) : null);
        Add("parent", task.Parent);
        Add("project", task.Project);
        Add("user", task.User);
        Add("company", task.Company);
        Add("tags", ModelDocuments.Strings(task.Tags));
        Add("system_tags", ModelDocuments.Strings(task.SystemTags));
        Add("output", Copy(task.Output) ?? new JsonObject());
        var execution = (JsonObject?)Copy(task.Execution) ?? [];
        execution["artifacts"] = new JsonArray(task.Artifacts.Select(a => (JsonNode?)a.DeepClone()).ToArray());
        Add("execution", execution);
        Add("script", Script(task.Script));
        Add("models", new JsonObject { ["input"] = ModelItems(task.InputModels), ["output"] = ModelItems(task.OutputModels) });
        Add("hyperparams", Copy(task.Hyperparams) ?? new JsonObject());
        Add("configuration", Copy(task.Configuration) ?? new JsonObject());
        Add("container", Copy(task.Container) ?? new JsonObject());
        Add("runtime", Copy(task.Runtime) ?? new JsonObject());
        Add("last_iteration", task.LastIteration);
        Add("last_metrics", Copy(task.LastMetrics) ?? new JsonObject());
        Add("last_update", Date(task.LastUpdate));
        Add("last_change", Date(task.LastChange));
        Add("last_changed_by", task.LastChangedBy);
        return document;
    }

    /// <summary>
    /// A task's script with ClearML's defaults under it (<c>binary: "python"</c>, empty
    /// repository and entry point): ClearML's task document always has a script, even for a
    /// task created without one, and the SDK reads it unchecked (<c>Dataset.create</c> reads
    /// <c>task.data.script.diff</c>). Stored fields win.
    /// </summary>
    public static JsonObject Script(JsonObject? script)
    {
        var result = new JsonObject { ["binary"] = "python", ["repository"] = "", ["entry_point"] = "" };
        foreach (var (key, value) in script ?? [])
        {
            result[key] = value?.DeepClone();
        }
        return result;
    }

    public static JsonArray ModelItems(IEnumerable<TaskModelItem> items) =>
        new(items.Select(i => (JsonNode?)new JsonObject
        {
            ["name"] = i.Name,
            ["model"] = i.Model,
            ["updated"] = ClearmlJson.FormatDate(i.Updated),
        }).ToArray());

    public static CairnException InvalidId(string id) =>
        new(ErrorCodes.InvalidTaskId, null, new Dictionary<string, object?> { ["id"] = id });

    public static CairnException InvalidStatus(string id, string status, string expected = TaskStatuses.Created) =>
        new(ErrorCodes.InvalidTaskStatus, null, new Dictionary<string, object?> { ["id"] = id, ["expected"] = expected, ["status"] = status });

    /// <summary>The task id of a request, required (400/12 when missing).</summary>
    public static string RequireId(string? id) => id ?? throw CairnException.RequiredField("task");

    /// <summary>A task the caller may write: its company's own (a public one is read-only).</summary>
    /// <exception cref="CairnException">400/101 when it does not exist, 403/21 when it is public.</exception>
    public static Task<TaskInfo> GetWritableAsync(ApiCall call, string id) => ModelDocuments.GetWritableTaskAsync(call, id);

    /// <summary>
    /// A read-modify-write of a company task; the 400/101 and 403/21 checks come first, so
    /// <paramref name="change"/> only sees a task the caller owns.
    /// </summary>
    public static async Task<TaskChanges> UpdateAsync(ApiCall call, string id, Func<TaskRecord, TaskChanges> change)
    {
        await GetWritableAsync(call, id).ConfigureAwait(false);
        var now = call.Service<TimeProvider>().GetUtcNow();
        return await call.Service<IMetadataStore>().Tasks.UpdateAsync(call.Identity.Company, id, change, now, call.Identity.User, call.Aborted).ConfigureAwait(false)
            ?? throw InvalidId(id); // Deleted between the check and the write.
    }

    /// <summary>
    /// <c>hyperparams</c> as create/edit take it: section → name → item. Names must not be empty
    /// (400/12); each item gets its section and name.
    /// </summary>
    public static JsonObject ReadHyperparams(JsonObject hyperparams)
    {
        var result = new JsonObject();
        foreach (var (section, items) in hyperparams)
        {
            _ = MetadataKey.Escape(section); // Rejects an empty name.
            if (items is not JsonObject parameters)
            {
                throw CairnException.Validation($"error for field 'hyperparams.{section}': expected an object of parameters");
            }
            var read = new JsonObject();
            foreach (var (name, item) in parameters)
            {
                read[name.Trim()] = ReadItem($"hyperparams.{section}.{name}", name, item, section.Trim());
            }
            result[section.Trim()] = read;
        }
        return result;
    }

    /// <summary><c>configuration</c> as create/edit take it: name → item.</summary>
    public static JsonObject ReadConfiguration(JsonObject configuration)
    {
        var result = new JsonObject();
        foreach (var (name, item) in configuration)
        {
            result[name.Trim()] = ReadItem($"configuration.{name}", name, item, section: null);
        }
        return result;
    }

    /// <summary>One parameter item: an object; its name (and section) are the keys it is stored under.</summary>
    public static JsonObject ReadItem(string path, string name, JsonNode? item, string? section)
    {
        _ = MetadataKey.Escape(name); // Rejects an empty name.
        if (item is not JsonObject fields)
        {
            throw CairnException.Validation($"error for field '{path}': expected an object with name and value");
        }
        var copy = (JsonObject)fields.DeepClone();
        if (section is not null)
        {
            copy["section"] = section;
        }
        copy["name"] = name.Trim();
        return copy;
    }
}
