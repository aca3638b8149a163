using Cairn.Web.Api;

namespace Cairn.Web.Components.Pages.Compare;

/// <summary>One compared field: its value for each model, and whether a model differs from the base (the first).</summary>
public sealed record CompareRow(string Section, string Field, IReadOnlyList<string?> Values)
{
    public bool Differs(int column) => column > 0 && !string.Equals(Values[column], Values[0], StringComparison.Ordinal);

    public bool AnyDiffers => Enumerable.Range(1, Values.Count - 1).Any(Differs);

    /// <summary>The rows of the details view, section by section, in ClearML's order.</summary>
    public static IReadOnlyList<CompareRow> Build(IReadOnlyList<ModelDetail> models)
    {
        static string? Date(DateTimeOffset? date) =>
            date?.ToUniversalTime().ToString("MMM d yyyy H:mm", System.Globalization.CultureInfo.InvariantCulture);

        var rows = new List<CompareRow>();
        void Add(string section, string field, Func<ModelDetail, string?> value) =>
            rows.Add(new CompareRow(section, field, [.. models.Select(value)]));

        Add("General", "Framework", m => m.Framework);
        Add("General", "Status", m => m.Ready ? "Published" : "Draft");
        Add("General", "Tags", m => m.Tags.Count == 0 ? null : string.Join(", ", m.Tags.Order(StringComparer.Ordinal)));
        Add("General", "Project", m => m.Project?.Label);
        Add("General", "User", m => m.User?.Label);
        Add("General", "Created by", m => m.Task?.Label);
        Add("General", "Created at", m => Date(m.Created));
        Add("General", "Updated at", m => Date(m.Updated));
        Add("General", "Model URL", m => m.Uri);
        Add("General", "Archived", m => m.Archived ? "Yes" : "No");
        foreach (var label in models.SelectMany(m => m.Labels.Select(l => l.Label)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            Add("Labels", label, m => m.Labels.FirstOrDefault(l => l.Label == label) is { } found
                ? found.Id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"
                : null);
        }
        foreach (var key in models.SelectMany(m => m.Metadata.Select(e => e.Key)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            Add("Metadata", key, m => m.Metadata.FirstOrDefault(e => e.Key == key) is { } found ? $"{found.Value} ({found.Type})" : null);
        }
        foreach (var metric in models.SelectMany(m => m.Metrics.Select(s => (s.Metric, s.Variant))).Distinct().Order())
        {
            Add("Last metrics", $"{metric.Metric} › {metric.Variant}", m => m.Metrics.FirstOrDefault(s => (s.Metric, s.Variant) == metric)?.Last
                ?.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture));
        }
        return rows;
    }
}
