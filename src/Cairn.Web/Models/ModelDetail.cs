using System.Text.Json.Nodes;
using Cairn.Web.Api;

namespace Cairn.Web.Models;

/// <summary>One metadata entry of a model: ClearML keeps key, type and value, all strings.</summary>
public sealed record MetadataEntry(string Key, string Type, string Value);

/// <summary>A model as its detail page shows it (<c>models.get_by_id_ex</c>).</summary>
public sealed record ModelDetail(ModelRow Row, DateTimeOffset? Created, string? Design, string? DesignKey,
    IReadOnlyList<(string Label, long Id)> Labels, IReadOnlyList<MetadataEntry> Metadata)
{
    public static readonly string[] Fields =
    [
        "id", "name", "framework", "tags", "system_tags", "ready", "project.name", "user.name", "task.name",
        "last_update", "created", "comment", "uri", "design", "labels", "metadata", "parent",
    ];

    /// <summary>The model, or null when there is none with this id.</summary>
    public static async Task<ModelDetail?> GetOrNullAsync(CairnApi api, string id, CancellationToken cancellationToken = default)
    {
        var data = await api.CallAsync("models.get_by_id_ex", new JsonObject
        {
            ["id"] = new JsonArray(id),
            ["only_fields"] = new JsonArray([.. Fields.Select(f => (JsonNode)f)]),
        }, cancellationToken).ConfigureAwait(false);
        return (data["models"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault() is { } model ? FromDocument(model) : null;
    }

    public static ModelDetail FromDocument(JsonObject model)
    {
        // design is text or an object with one key (usually "design"); the key is kept when saving.
        string? design = null;
        string? designKey = null;
        switch (model["design"])
        {
            case JsonObject designObject when designObject.Count > 0:
                var first = designObject.First();
                designKey = first.Key;
                design = first.Value is JsonValue text && text.TryGetValue<string>(out var s) ? s : first.Value?.ToJsonString();
                break;
            case JsonValue value when value.TryGetValue<string>(out var plain):
                design = plain;
                break;
        }
        var labels = (model["labels"] as JsonObject ?? [])
            .Select(l => (l.Key, Json.Long(l.Value)))
            .OrderBy(l => l.Item2)
            .ToList();
        var metadata = (model["metadata"] as JsonObject ?? [])
            .Select(m => new MetadataEntry(m.Key, m.Value?["type"]?.ToString() ?? "", m.Value?["value"]?.ToString() ?? ""))
            .OrderBy(m => m.Key, StringComparer.Ordinal)
            .ToList();
        return new ModelDetail(ModelRow.FromDocument(model), Json.Date(model["created"]), design, designKey, labels, metadata);
    }
}
