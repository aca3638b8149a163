using System.Text.Json.Nodes;
using Cairn.Core.Errors;

namespace Cairn.Core;

/// <summary>
/// The largest values a client may store, so one request cannot make every later read of an
/// entity megabytes long (docs/configuration.md, "Limits"). Each is far above what ClearML's SDK and UI write:
/// names are a line, tags a word, comments a paragraph, metadata values short strings, labels
/// a class list (ImageNet-21k has 21,841 classes), a design a network's configuration text.
/// Past a limit the request is 400/12 naming the field, and nothing is stored.
/// </summary>
public static class EntityLimits
{
    /// <summary>Model, task and project names; metric and variant names; label names; metadata keys.</summary>
    public const int MaxNameLength = 1024;

    /// <summary>Comments and descriptions.</summary>
    public const int MaxCommentLength = 64 * 1024;

    public const int MaxTags = 256;

    public const int MaxTagLength = 256;

    public const int MaxMetadataItems = 1024;

    public const int MaxMetadataValueLength = 16 * 1024;

    public const int MaxLabels = 100_000;

    /// <summary>A model's design (its configuration text), as JSON.</summary>
    public const int MaxDesignLength = 4 * 1024 * 1024;

    public const int MaxArtifactsPerTask = 1024;

    /// <summary>Metric and variant names of events (they become keys of a task's <c>last_metrics</c>).</summary>
    public const int MaxMetricNameLength = 256;

    /// <summary>Returns <paramref name="value"/>, or throws 400/12 when it is longer than <paramref name="max"/>.</summary>
    public static string? Text(string field, string? value, int max) =>
        value is null || value.Length <= max ? value : throw TooLong(field, value.Length, max);

    /// <summary>Throws 400/12 when a list or dict of <paramref name="count"/> items is over <paramref name="max"/>.</summary>
    public static void Count(string field, int count, int max)
    {
        if (count > max)
        {
            throw CairnException.Validation($"field '{field}' has {count} items; at most {max} are allowed");
        }
    }

    /// <summary>Throws 400/12 when a JSON value, written out, is longer than <paramref name="max"/> characters.</summary>
    public static JsonNode? Json(string field, JsonNode? value, int max)
    {
        var length = value?.ToJsonString().Length ?? 0;
        return length <= max ? value : throw TooLong(field, length, max);
    }

    private static CairnException TooLong(string field, int length, int max) =>
        CairnException.Validation($"field '{field}' is {length} characters long; at most {max} are allowed");
}
