using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Models;
using Cairn.Protocol.Services;

namespace Cairn;

public partial class Model
{
    private static readonly string[] MetadataTypes = ["float", "int", "bool", "str", "basestring", "list", "tuple", "dict"];

    /// <summary>
    /// Adds or replaces one metadata entry (<c>models.add_or_update_metadata</c>) and reloads the model.
    /// The value is stored as text; <paramref name="type"/> (<c>int</c>, <c>float</c>, <c>bool</c>,
    /// <c>str</c>, <c>list</c>, <c>tuple</c>, <c>dict</c>) says how <see cref="GetMetadataCasted"/>
    /// reads it back, and is inferred from the value when null.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty, or <paramref name="type"/> is not one of the names above.</exception>
    /// <exception cref="ClearMLRequestException">The server refused the change.</exception>
    public async Task SetMetadataAsync(string key, object? value, string? type = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var item = ToMetadataItem(key, value, type);
        await WriteMetadataAsync([item], replace: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends all of <paramref name="metadata"/>; with <paramref name="replace"/> the model's metadata
    /// becomes exactly these entries, otherwise they are added or updated.
    /// </summary>
    /// <exception cref="ArgumentException">An entry has an empty key.</exception>
    /// <exception cref="ClearMLRequestException">The server refused the change.</exception>
    public async Task SetAllMetadataAsync(IEnumerable<ModelMetadataItem> metadata, bool replace = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var items = metadata.ToList();
        foreach (var item in items)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(item.Key, nameof(metadata));
        }
        await WriteMetadataAsync(items, replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The text value of metadata <paramref name="key"/>; null when the model has no such key.</summary>
    /// <exception cref="InvalidOperationException">The model is not loaded.</exception>
    public string? GetMetadata(string key) => GetAllMetadata().TryGetValue(key, out var item) ? item.Value : null;

    /// <summary>
    /// The value of metadata <paramref name="key"/> read by its stored type: <c>int</c> → <see cref="long"/>,
    /// <c>float</c> → <see cref="double"/>, <c>bool</c> → <see cref="bool"/>, <c>list</c>/<c>tuple</c>/<c>dict</c> →
    /// <see cref="JsonNode"/>, anything else (or a value that does not parse) → the text. Null when there is no such key.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is not loaded.</exception>
    public object? GetMetadataCasted(string key) => GetAllMetadata().TryGetValue(key, out var item) ? Cast(item) : null;

    /// <summary>Every metadata entry, keyed by key.</summary>
    /// <exception cref="InvalidOperationException">The model is not loaded.</exception>
    public IReadOnlyDictionary<string, ModelMetadataItem> GetAllMetadata()
    {
        var all = new Dictionary<string, ModelMetadataItem>(StringComparer.Ordinal);
        foreach (var (key, entry) in Data.Metadata ?? new Dictionary<string, MetadataItemDto?>())
        {
            if (entry is not null)
            {
                var name = entry.Key ?? key;
                all[name] = new ModelMetadataItem(name, entry.Type, entry.Value ?? "");
            }
        }
        return all;
    }

    /// <summary>Every metadata entry's value read by its type (see <see cref="GetMetadataCasted"/>).</summary>
    /// <exception cref="InvalidOperationException">The model is not loaded.</exception>
    public IReadOnlyDictionary<string, object?> GetAllMetadataCasted() =>
        GetAllMetadata().ToDictionary(p => p.Key, p => Cast(p.Value), StringComparer.Ordinal);

    private protected async Task WriteMetadataAsync(IReadOnlyList<ModelMetadataItem> items, bool replace, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await Session.CallAsync("models.add_or_update_metadata", new AddOrUpdateMetadataRequest
        {
            Model = Id,
            Metadata = [.. items.Select(item => new MetadataItemDto { Key = item.Key, Type = item.Type, Value = item.Value })],
            ReplaceMetadata = replace,
        }, cancellationToken).ConfigureAwait(false);
        await LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes sure the model exists on the server; only an <see cref="OutputModel"/> can be missing.</summary>
    private protected virtual Task EnsureCreatedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static ModelMetadataItem ToMetadataItem(string key, object? value, string? type)
    {
        if (type is not null && !MetadataTypes.Contains(type))
        {
            throw new ArgumentException($"Metadata type '{type}' is not one of {string.Join(", ", MetadataTypes)}.", nameof(type));
        }
        return value switch
        {
            null => new(key, type, ""),
            bool b => new(key, type ?? "bool", b ? "True" : "False"),
            string s => new(key, type ?? "str", s),
            int or long or short or byte or sbyte or uint or ulong or ushort => new(key, type ?? "int", Convert.ToString(value, CultureInfo.InvariantCulture)!),
            float or double or decimal => new(key, type ?? "float", Convert.ToString(value, CultureInfo.InvariantCulture)!),
            JsonObject or IDictionary => new(key, type ?? "dict", JsonText.ToNode(value)!.ToJsonString()),
            JsonArray or IEnumerable => new(key, type ?? "list", JsonText.ToNode(value)!.ToJsonString()),
            _ => new(key, type ?? "str", Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
        };
    }

    private static object? Cast(ModelMetadataItem item)
    {
        var text = item.Value;
        switch (item.Type)
        {
            case "int" when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer):
                return integer;
            case "float" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real):
                return real;
            case "bool":
                return text.Trim().ToLowerInvariant() is "true" or "1" or "yes" or "on";
            case "list" or "tuple" or "dict":
                try
                {
                    return JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    return text;
                }
            default:
                return text;
        }
    }
}
