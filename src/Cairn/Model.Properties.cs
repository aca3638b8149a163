using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cairn;

public partial class Model
{
    /// <summary>The model name.</summary>
    public string Name => Data.Name ?? "";

    /// <summary>The free-text comment.</summary>
    public string Comment => Data.Comment ?? "";

    /// <summary>The user tags.</summary>
    public IReadOnlyList<string> Tags => Data.Tags ?? [];

    /// <summary>The system tags (<c>archived</c>, <c>package</c>…).</summary>
    public IReadOnlyList<string> SystemTags => Data.SystemTags ?? [];

    /// <summary>The label enumeration (label → class index).</summary>
    public IReadOnlyDictionary<string, int> Labels
    {
        get
        {
            var labels = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (label, value) in Data.Labels ?? new Dictionary<string, int?>())
            {
                if (value is { } index)
                {
                    labels[label] = index;
                }
            }
            return labels;
        }
    }

    /// <summary>The design (configuration) text, stored as <c>design.design</c>; empty when none.</summary>
    public string ConfigText => DesignText(Data.Design);

    /// <summary>
    /// <see cref="ConfigText"/> read as a JSON object; null when the text is empty or not JSON
    /// (ClearML's Python SDK writes HOCON, which is kept as text only).
    /// </summary>
    public JsonObject? ConfigDict
    {
        get
        {
            var text = ConfigText;
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }
            try
            {
                return JsonNode.Parse(text) as JsonObject;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>The experiment this model is connected to in this process, else <see cref="OriginalTaskId"/>.</summary>
    public virtual string? TaskId => OriginalTaskId;

    /// <summary>The id of the experiment that created the model (the server's <c>task</c> field).</summary>
    public string? OriginalTaskId => Data.Task;

    /// <summary>The weights URL (<c>uri</c>).</summary>
    public string? Url => Data.Uri;

    /// <summary>The framework name (see <see cref="Cairn.Framework"/>).</summary>
    public string? Framework => Data.Framework;

    /// <summary>Whether the model is published (<c>ready</c>); published models cannot change.</summary>
    public virtual bool Published => Data.Ready == true;

    /// <summary>Whether the model is archived (the <c>archived</c> system tag).</summary>
    public bool Archived => SystemTags.Contains("archived");

    /// <summary>Whether the weights are a zip package (the <c>package</c> system tag).</summary>
    public bool IsPackage => SystemTags.Contains("package");

    /// <summary>The id of the model's project.</summary>
    public string? ProjectId => Data.Project;

    /// <summary>When the model was created.</summary>
    public DateTimeOffset? Created => Data.Created;

    /// <summary>When the model last changed.</summary>
    public DateTimeOffset? LastUpdate => Data.LastUpdate;

    /// <summary>The id of the model this one was derived from (<c>parent</c>).</summary>
    public string? ParentId => Data.Parent;

    internal static string DesignText(JsonNode? design) => design switch
    {
        JsonObject o when o["design"] is JsonValue v && v.TryGetValue<string>(out var text) => text,
        JsonObject o when o.Count > 0 && o.First().Value is JsonValue v && v.TryGetValue<string>(out var text) => text,
        _ => "",
    };
}
