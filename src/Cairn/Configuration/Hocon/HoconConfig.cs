using System.Globalization;

namespace Cairn.Configuration.Hocon;

/// <summary>A parsed and resolved configuration, read by dotted paths.</summary>
internal sealed class HoconConfig(HoconObject root)
{
    public HoconObject Root { get; } = root;

    /// <summary>Parses and resolves <paramref name="text"/>; includes are read relative to <paramref name="file"/>.</summary>
    public static HoconConfig Parse(string text, string? file, Func<string, string?> environment) =>
        new(HoconResolver.Resolve(HoconParser.Parse(text, file, ReadInclude), environment));

    /// <summary>Reads and parses <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="HoconParseException">The text is not valid HOCON.</exception>
    public static HoconConfig Load(string path, Func<string, string?> environment) =>
        Parse(File.ReadAllText(path), path, environment);

    /// <summary>The text of a string, number or boolean at <paramref name="path"/>; null when absent, null, or not a scalar.</summary>
    public string? GetString(string path) => HoconResolver.Find(Root, path) is HoconScalar scalar ? scalar.Text : null;

    /// <exception cref="HoconParseException">The value is not a whole number.</exception>
    public long? GetLong(string path)
    {
        if (HoconResolver.Find(Root, path) is not HoconScalar { Text: { } text } scalar)
        {
            return null;
        }
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw scalar.Position.Error($"'{path}' must be a whole number, not '{text}'");
    }

    /// <exception cref="HoconParseException">The value is not a number.</exception>
    public double? GetDouble(string path)
    {
        if (HoconResolver.Find(Root, path) is not HoconScalar { Text: { } text } scalar)
        {
            return null;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw scalar.Position.Error($"'{path}' must be a number, not '{text}'");
    }

    /// <summary>HOCON's booleans: true/false, yes/no, on/off (any case).</summary>
    /// <exception cref="HoconParseException">The value is not a boolean.</exception>
    public bool? GetBool(string path)
    {
        if (HoconResolver.Find(Root, path) is not HoconScalar { Text: { } text } scalar)
        {
            return null;
        }
        return text.ToUpperInvariant() switch
        {
            "TRUE" or "YES" or "ON" => true,
            "FALSE" or "NO" or "OFF" => false,
            _ => throw scalar.Position.Error($"'{path}' must be true or false, not '{text}'"),
        };
    }

    /// <summary>The list at <paramref name="path"/>, or null.</summary>
    public IReadOnlyList<HoconNode>? GetList(string path) => HoconResolver.Find(Root, path) is HoconList list ? list.Items : null;

    /// <summary>
    /// Every scalar under <paramref name="path"/> as (full dotted path, text); list items are
    /// numbered (<c>aws.s3.credentials.0.bucket</c>).
    /// </summary>
    public IEnumerable<KeyValuePair<string, string?>> Flatten(string path)
    {
        var node = HoconResolver.Find(Root, path);
        return node is null ? [] : Flatten(path, node);
    }

    private static IEnumerable<KeyValuePair<string, string?>> Flatten(string prefix, HoconNode node)
    {
        switch (node)
        {
            case HoconObject obj:
                foreach (var (key, value) in obj.Fields)
                {
                    foreach (var pair in Flatten($"{prefix}.{key}", value))
                    {
                        yield return pair;
                    }
                }
                break;
            case HoconList list:
                for (var i = 0; i < list.Items.Count; i++)
                {
                    foreach (var pair in Flatten(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{i}"), list.Items[i]))
                    {
                        yield return pair;
                    }
                }
                break;
            case HoconScalar scalar:
                yield return new(prefix, scalar.Text);
                break;
        }
    }

    private static (string Text, string File)? ReadInclude(string name, string? from)
    {
        var directory = from is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(from)) ?? ".";
        var path = Path.IsPathRooted(name) ? name : Path.Combine(directory, name);
        return File.Exists(path) ? (File.ReadAllText(path), path) : null;
    }
}
