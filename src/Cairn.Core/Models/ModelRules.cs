using Cairn.Core.Errors;

namespace Cairn.Core.Models;

/// <summary>The document rules ClearML enforces when a model is saved (api.md §3.1–3.2).</summary>
public static class ModelRules
{
    public const int MinNameLength = 3;

    /// <summary>The stripped name.</summary>
    /// <exception cref="CairnException">400/800 when it is shorter than three characters.</exception>
    public static string Name(string name)
    {
        var stripped = EntityLimits.Text("name", name.Trim(), EntityLimits.MaxNameLength)!;
        if (stripped.Length < MinNameLength)
        {
            throw new CairnException(ErrorCodes.DataValidationError,
                $"name must be at least {MinNameLength} characters long", new Dictionary<string, object?> { ["name"] = stripped });
        }
        return stripped;
    }

    /// <summary>Checks that no two labels share a (non-null) value.</summary>
    /// <exception cref="CairnException">400/800 for a repeated value.</exception>
    public static IReadOnlyDictionary<string, int?> Labels(IReadOnlyDictionary<string, int?> labels)
    {
        EntityLimits.Count("labels", labels.Count, EntityLimits.MaxLabels);
        foreach (var label in labels.Keys)
        {
            EntityLimits.Text("labels", label, EntityLimits.MaxNameLength);
        }
        var seen = new Dictionary<int, string>();
        foreach (var (label, value) in labels)
        {
            if (value is not { } id)
            {
                continue;
            }
            if (seen.TryGetValue(id, out var other))
            {
                throw new CairnException(ErrorCodes.DataValidationError, "label values must be unique",
                    new Dictionary<string, object?> { ["value"] = id, ["labels"] = new[] { other, label } });
            }
            seen[id] = label;
        }
        return labels;
    }

    /// <summary>Checks tags (and system tags) for the reserved operator prefix.</summary>
    /// <exception cref="CairnException">400/16 for a tag starting with <c>__$</c>, 400/12 for a null tag.</exception>
    public static IReadOnlyList<string> Tags(string field, IReadOnlyList<string?> tags)
    {
        if (tags.Any(t => t is null))
        {
            throw CairnException.Validation($"error for field '{field}': every tag must be a string");
        }
        CheckTagSizes(field, tags!);
        var reserved = tags.Where(t => t!.StartsWith("__$", StringComparison.Ordinal)).ToList();
        if (reserved.Count > 0)
        {
            throw new CairnException(ErrorCodes.FieldsValueError, "unsupported tag prefix",
                new Dictionary<string, object?> { ["values"] = reserved });
        }
        return tags!;
    }

    /// <summary>Throws 400/12 for more than <see cref="EntityLimits.MaxTags"/> tags or a tag longer than <see cref="EntityLimits.MaxTagLength"/>.</summary>
    public static void CheckTagSizes(string field, IReadOnlyList<string> tags)
    {
        EntityLimits.Count(field, tags.Count, EntityLimits.MaxTags);
        foreach (var tag in tags)
        {
            EntityLimits.Text(field, tag, EntityLimits.MaxTagLength);
        }
    }
}
