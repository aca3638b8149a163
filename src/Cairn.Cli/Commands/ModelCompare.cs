using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using static Cairn.Cli.Commands.Common;

namespace Cairn.Cli.Commands;

/// <summary><c>cairn models compare</c>: models side by side, one row per field, rows that differ marked.</summary>
internal static class ModelCompare
{
    public static Command Build()
    {
        var command = new Command("compare", """
            Compare models side by side: fields, labels, design, metadata and last reported metrics.
            Rows whose values differ are marked with '*' (and, as JSON, "differs": true).

            Examples:
              cairn models compare 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c 9b1d7e3f5a2c4b6d8e0f1a3c5e7b9d2f
              cairn models compare ID1 ID2 ID3 --json | jq '.rows[] | select(.differs)'
            """);
        var ids = new Argument<string[]>("ids") { Description = "Two or more model ids", Arity = new ArgumentArity(2, 32) };
        var json = Json();
        command.Arguments.Add(ids);
        command.Options.Add(json);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var given = context.Get(ids)!;
            var models = new List<Model>();
            var raw = new List<JsonObject>();
            foreach (var id in given)
            {
                models.Add(await Model.GetAsync(id, context.Session, cancellationToken).ConfigureAwait(false));
                // last_metrics is not on the SDK's Model; it comes from the same get_by_id the SDK uses.
                var data = await context.Session.CallAsync("models.get_by_id", new JsonObject { ["model"] = id }, cancellationToken).ConfigureAwait(false);
                raw.Add(data["model"] as JsonObject ?? []);
            }
            var projects = await ProjectNamesAsync(context.Session, models.Select(m => m.ProjectId), cancellationToken).ConfigureAwait(false);
            var rows = new List<(string Field, string?[] Values)>
            {
                ("name", [.. models.Select(m => m.Name)]),
                ("project", [.. models.Select(m => m.ProjectId is { } p ? projects.GetValueOrDefault(p, p) : null)]),
                ("framework", [.. models.Select(m => m.Framework)]),
                ("status", [.. models.Select(m => (m.Archived ? "archived " : "") + (m.Published ? "published" : "draft"))]),
                ("tags", [.. models.Select(m => string.Join(", ", m.Tags))]),
                ("created", [.. models.Select(m => Time(m.Created))]),
                ("task", [.. models.Select(m => m.TaskId)]),
                ("labels", [.. models.Select(m => string.Join(", ", m.Labels.OrderBy(l => l.Value).Select(l => $"{l.Key}={l.Value}")))]),
                ("design", [.. models.Select(m => m.ConfigText)]),
            };
            var metadata = models.Select(m => m.GetAllMetadata()).ToList();
            foreach (var key in metadata.SelectMany(m => m.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                rows.Add(("meta." + key, [.. metadata.Select(m => m.GetValueOrDefault(key)?.Value)]));
            }
            var metrics = raw.Select(LastMetrics).ToList();
            foreach (var name in metrics.SelectMany(m => m.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                rows.Add(("metric " + name, [.. metrics.Select(m => m.GetValueOrDefault(name))]));
            }

            if (context.Get(json))
            {
                var array = new JsonArray();
                foreach (var (field, values) in rows)
                {
                    array.Add(new JsonObject { ["field"] = field, ["values"] = new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]), ["differs"] = Differs(values) });
                }
                context.WriteJson(new JsonObject { ["models"] = Strings(models.Select(m => m.Id)), ["rows"] = array });
                return ExitCodes.Ok;
            }
            var table = Table(["", "FIELD", .. models.Select(m => m.Id)]);
            foreach (var (field, values) in rows)
            {
                var differs = Differs(values);
                var cells = new List<Spectre.Console.Rendering.IRenderable> { new Text(differs ? "*" : ""), new Text(field) };
                cells.AddRange(values.Select(v => new Text(Shorten(v), differs ? new Style(Color.Yellow) : Style.Plain)));
                table.AddRow(cells);
            }
            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool Differs(string?[] values) => values.Distinct(StringComparer.Ordinal).Skip(1).Any();

    private static string Shorten(string? text)
    {
        var line = (text ?? "").ReplaceLineEndings(" ");
        return line.Length <= 60 ? line : line[..57] + "...";
    }

    /// <summary>"title/series" → last value, from ClearML's <c>last_metrics</c> (metric hash → variant hash → {metric, variant, value}).</summary>
    private static Dictionary<string, string> LastMetrics(JsonObject model)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, metric) in model["last_metrics"] as JsonObject ?? [])
        {
            foreach (var (_, variant) in metric as JsonObject ?? [])
            {
                if (variant is JsonObject v && Text(v, "metric") is { } title && Text(v, "variant") is { } series && v["value"] is JsonValue value)
                {
                    result[$"{title}/{series}"] = value.TryGetValue<double>(out var d) ? d.ToString("G6", CultureInfo.InvariantCulture) : value.ToJsonString();
                }
            }
        }
        return result;
    }
}
