using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;

namespace Cairn.Core.Tasks;

/// <summary>The document rules ClearML enforces when a task is saved (api.md §5.1).</summary>
public static class TaskRules
{
    /// <summary>The task types ClearML accepts.</summary>
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        "training", "testing", "inference", "data_processing", "application", "monitor", "controller",
        "optimizer", "service", "qc", "custom", "report",
    };

    public const string InputMode = "input";
    public const string OutputMode = "output";

    /// <summary>The statuses in which artifacts and model lists may change.</summary>
    public static bool IsEditable(string status) => status is TaskStatuses.Created or TaskStatuses.InProgress;

    /// <exception cref="CairnException">400/12 for a type outside the enum.</exception>
    public static string Type(string? type) =>
        type is not null && Types.Contains(type)
            ? type
            : throw CairnException.Validation($"error for field 'type': value '{type}' is not one of {string.Join(", ", Types.Order(StringComparer.Ordinal))}");

    /// <summary>
    /// An artifact as stored: <c>key</c> and <c>type</c> required, <c>mode</c> defaulting to output.
    /// </summary>
    /// <exception cref="CairnException">400/12 for a missing key or type, or a bad mode.</exception>
    public static JsonObject Artifact(JsonNode? item)
    {
        if (item is not JsonObject artifact)
        {
            throw CairnException.Validation("error for field 'artifacts': every artifact must be an object");
        }
        if (artifact["key"] is not JsonValue key || !key.TryGetValue<string>(out var keyText) || keyText.Length == 0)
        {
            throw CairnException.Validation("error for field 'artifacts.key'. field is required!");
        }
        if (artifact["type"] is not JsonValue type || !type.TryGetValue<string>(out _))
        {
            throw CairnException.Validation("error for field 'artifacts.type'. field is required!");
        }
        var copy = (JsonObject)artifact.DeepClone();
        var mode = Mode(artifact["mode"]);
        copy["mode"] = mode;
        return copy;
    }

    /// <summary>An artifact's mode: input or output (default).</summary>
    /// <exception cref="CairnException">400/12 for anything else.</exception>
    public static string Mode(JsonNode? mode) => mode switch
    {
        null => OutputMode,
        JsonValue value when value.TryGetValue<string>(out var text) && text is InputMode or OutputMode => text,
        _ => throw CairnException.Validation($"error for field 'artifacts.mode': expected input or output, got {mode.ToJsonString()}"),
    };

    /// <summary>ClearML's key of an artifact in its stored map: <c>md5(key) + "_" + mode</c>.</summary>
    public static string ArtifactId(string key, string mode) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(key))) + "_" + mode;

    /// <summary>
    /// Upserts artifacts by key and mode (later duplicates win) and returns the list sorted by key.
    /// </summary>
    public static List<JsonObject> MergeArtifacts(IEnumerable<JsonObject> current, IEnumerable<JsonObject> updates)
    {
        var byId = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var artifact in current.Concat(updates))
        {
            byId[ArtifactId(KeyOf(artifact), ModeOf(artifact))] = artifact;
        }
        EntityLimits.Count("artifacts", byId.Count, EntityLimits.MaxArtifactsPerTask);
        return Sorted(byId.Values);
    }

    /// <summary>Sorted by key, then mode (ordinal), as ClearML returns them.</summary>
    public static List<JsonObject> Sorted(IEnumerable<JsonObject> artifacts) =>
        artifacts.OrderBy(KeyOf, StringComparer.Ordinal).ThenBy(ModeOf, StringComparer.Ordinal).ToList();

    public static string KeyOf(JsonObject artifact) => artifact["key"]?.GetValue<string>() ?? "";

    public static string ModeOf(JsonObject artifact) => artifact["mode"]?.GetValue<string>() ?? OutputMode;
}
