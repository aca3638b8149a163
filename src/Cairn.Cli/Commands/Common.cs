using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Cairn.Protocol.Query;
using Cairn.Session;
using Spectre.Console;

namespace Cairn.Cli.Commands;

/// <summary>Options, look-ups and table helpers the command groups share.</summary>
internal static class Common
{
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON instead of a table (lists: one array; show: one object; field names are stable)",
    };

    public static Option<string?> Project(string description = "Only this project (its full name, e.g. 'vision/detection')") => new("--project", "-p")
    {
        Description = description,
    };

    public static Option<int> Limit(int defaultValue = 100) => new("--limit", "-n")
    {
        Description = $"At most this many rows (default {defaultValue})",
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>The id of the project named exactly <paramref name="name"/>; fails (exit 1) when none is.</summary>
    public static async Task<string> ProjectIdAsync(ClearMLSession session, string name, CancellationToken cancellationToken) =>
        await FindProjectIdAsync(session, name, cancellationToken).ConfigureAwait(false)
            ?? throw new CommandFailedException($"no project is named '{name}'");

    public static async Task<string?> FindProjectIdAsync(ClearMLSession session, string name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new UsageException("the project name is empty");
        }
        var data = await session.CallAsync("projects.get_all", new JsonObject
        {
            ["name"] = "^" + QueryCompiler.Escape(name) + "$",
            ["only_fields"] = new JsonArray("id", "name"),
            ["search_hidden"] = true,
        }, cancellationToken).ConfigureAwait(false);
        return (data["projects"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(p => Text(p, "name") == name) is { } project ? Text(project, "id") : null;
    }

    /// <summary>Project id → full name for the given ids (one call); unknown ids are left out.</summary>
    public static async Task<Dictionary<string, string>> ProjectNamesAsync(ClearMLSession session, IEnumerable<string?> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.OfType<string>().Where(id => id.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return names;
        }
        var idArray = new JsonArray();
        wanted.ForEach(id => idArray.Add(JsonValue.Create(id)));
        var data = await session.CallAsync("projects.get_all", new JsonObject
        {
            ["id"] = idArray,
            ["only_fields"] = new JsonArray("id", "name"),
            ["search_hidden"] = true,
            ["page_size"] = wanted.Count,
            ["page"] = 0,
        }, cancellationToken).ConfigureAwait(false);
        foreach (var project in (data["projects"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if (Text(project, "id") is { } id && Text(project, "name") is { } name)
            {
                names[id] = name;
            }
        }
        return names;
    }

    public static string? Text(JsonObject data, string key) =>
        data[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static JsonArray Strings(IEnumerable<string> values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(JsonValue.Create(value));
        }
        return array;
    }

    public static IReadOnlyList<string> StringList(JsonNode? node) =>
        node is JsonArray array ? [.. array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : v.ToJsonString())] : [];

    public static string Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";

    public static string? Iso(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The wire's time text (ClearML writes ISO 8601, with or without an offset) as a UTC instant.</summary>
    public static DateTimeOffset? ParseTime(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }
        return table;
    }

    public static void AddRow(this Table table, params string?[] cells) =>
        table.AddRow([.. cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c ?? ""))]);

    /// <summary>Ids given on the command line: at least one, each non-empty.</summary>
    public static Argument<string[]> Ids(string what = "model") => new("ids")
    {
        Description = $"One or more {what} ids",
        Arity = ArgumentArity.OneOrMore,
    };
}
