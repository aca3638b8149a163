using System.Text.Json.Nodes;
using Cairn.Models;
using static Cairn.Cli.Commands.Common;

namespace Cairn.Cli.Commands;

/// <summary>
/// The JSON shapes of <c>--json</c>: snake_case names as on ClearML's wire, times in ISO 8601 UTC,
/// every field present (null when unset) so scripts can rely on them. Documented in docs/cli.md.
/// </summary>
internal static class ModelJson
{
    /// <summary>A row of <c>models list</c>, from a <c>models.get_all</c> answer.</summary>
    public static JsonObject Row(JsonObject model, IReadOnlyDictionary<string, string> projects)
    {
        var projectId = Text(model, "project");
        var systemTags = StringList(model["system_tags"]);
        return new JsonObject
        {
            ["id"] = Text(model, "id"),
            ["name"] = Text(model, "name"),
            ["project_id"] = projectId,
            ["project"] = projectId is not null && projects.TryGetValue(projectId, out var name) ? name : null,
            ["framework"] = Text(model, "framework"),
            ["tags"] = Strings(StringList(model["tags"])),
            ["system_tags"] = Strings(systemTags),
            ["published"] = model["ready"] is JsonValue ready && ready.TryGetValue<bool>(out var r) && r,
            ["archived"] = systemTags.Contains("archived"),
            ["created"] = Iso(ParseTime(Text(model, "created"))),
            ["last_update"] = Iso(ParseTime(Text(model, "last_update"))),
            ["uri"] = Text(model, "uri"),
            ["task"] = Text(model, "task"),
            ["comment"] = Text(model, "comment"),
        };
    }

    /// <summary><c>models show</c>: the row's fields, then labels, design, metadata and the recorded size and SHA-256.</summary>
    public static JsonObject Details(Model model, IReadOnlyDictionary<string, string> projects)
    {
        var labels = new JsonObject();
        foreach (var (label, index) in model.Labels.OrderBy(l => l.Value))
        {
            labels[label] = index;
        }
        var metadata = model.GetAllMetadata();
        return new JsonObject
        {
            ["id"] = model.Id,
            ["name"] = model.Name,
            ["project_id"] = model.ProjectId,
            ["project"] = model.ProjectId is { } p && projects.TryGetValue(p, out var name) ? name : null,
            ["framework"] = model.Framework,
            ["tags"] = Strings(model.Tags),
            ["system_tags"] = Strings(model.SystemTags),
            ["published"] = model.Published,
            ["archived"] = model.Archived,
            ["created"] = Iso(model.Created),
            ["last_update"] = Iso(model.LastUpdate),
            ["uri"] = model.Url,
            ["task"] = model.TaskId,
            ["comment"] = model.Comment,
            ["parent"] = model.ParentId,
            ["size"] = long.TryParse(metadata.GetValueOrDefault(WeightsIntegrity.SizeKey)?.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var size) ? size : null,
            ["sha256"] = metadata.GetValueOrDefault(WeightsIntegrity.Sha256Key)?.Value,
            ["labels"] = labels,
            ["design"] = model.ConfigText,
            ["metadata"] = Metadata(metadata),
        };
    }

    public static JsonObject Metadata(IReadOnlyDictionary<string, ModelMetadataItem> items)
    {
        var result = new JsonObject();
        foreach (var item in items.Values.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            result[item.Key] = Metadata(item);
        }
        return result;
    }

    public static JsonObject Metadata(ModelMetadataItem item) => new() { ["key"] = item.Key, ["type"] = item.Type, ["value"] = item.Value };

    public static string Status(JsonObject row) =>
        (row["archived"]?.GetValue<bool>() == true ? "archived " : "") + (row["published"]?.GetValue<bool>() == true ? "published" : "draft");
}
