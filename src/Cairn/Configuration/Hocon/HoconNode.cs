namespace Cairn.Configuration.Hocon;

/// <summary>A parsed HOCON value and where it was written (for error messages).</summary>
internal abstract class HoconNode(HoconPosition position)
{
    public HoconPosition Position { get; } = position;
}

/// <summary>A place in a configuration text.</summary>
internal readonly record struct HoconPosition(string? File, int Line, int Column)
{
    public HoconParseException Error(string problem) => new(problem, File, Line, Column);
}

/// <summary>An object: fields in the order first written; a repeated key merges objects and replaces anything else.</summary>
internal sealed class HoconObject(HoconPosition position) : HoconNode(position)
{
    public Dictionary<string, HoconNode> Fields { get; } = new(StringComparer.Ordinal);

    /// <summary>Sets <paramref name="key"/>, merging into an object already there when both are objects.</summary>
    public void Set(string key, HoconNode value)
    {
        if (value is HoconObject incoming && Fields.TryGetValue(key, out var existing) && existing is HoconObject current)
        {
            current.MergeFrom(incoming);
            return;
        }
        Fields[key] = value;
    }

    public void MergeFrom(HoconObject other)
    {
        foreach (var (key, value) in other.Fields)
        {
            Set(key, value);
        }
    }
}

/// <summary>A list.</summary>
internal sealed class HoconList(HoconPosition position, List<HoconNode> items) : HoconNode(position)
{
    public List<HoconNode> Items { get; } = items;
}

/// <summary>A string, number, boolean or null (null <see cref="Text"/>), kept as written.</summary>
internal sealed class HoconScalar(HoconPosition position, string? text, bool quoted) : HoconNode(position)
{
    public string? Text { get; } = text;

    /// <summary>Quoted text is always a string; unquoted text may be read as a number or boolean.</summary>
    public bool Quoted { get; } = quoted;
}

/// <summary><c>${path}</c> or <c>${?path}</c>, resolved from the configuration, then the environment.</summary>
internal sealed class HoconSubstitution(HoconPosition position, string path, bool optional) : HoconNode(position)
{
    public string Path { get; } = path;

    public bool Optional { get; } = optional;
}

/// <summary>Values written next to each other on one line (<c>${HOME}/cache</c>), joined after substitution.</summary>
internal sealed class HoconConcatenation(HoconPosition position, List<HoconNode> parts) : HoconNode(position)
{
    public List<HoconNode> Parts { get; } = parts;
}
