using System.Text.Json.Nodes;

namespace Cairn.Server.Querying;

/// <summary>
/// The <c>only_fields</c> projection: dotted paths to include, or with a leading '-' to exclude.
/// Without includes every field is returned except those hidden by default; <c>id</c> is not
/// added to an include list (ClearML's non-<c>_ex</c> behaviour).
/// </summary>
public sealed class Projection
{
    private readonly List<string[]> _include;
    private readonly List<string[]> _exclude;
    private readonly IReadOnlySet<string> _hiddenByDefault;

    private Projection(List<string[]> include, List<string[]> exclude, IReadOnlySet<string> hiddenByDefault)
    {
        _include = include;
        _exclude = exclude;
        _hiddenByDefault = hiddenByDefault;
    }

    public static Projection Parse(JsonNode? onlyFields, IReadOnlySet<string> hiddenByDefault, Func<string[], string[]>? mapPath = null)
    {
        mapPath ??= parts => parts;
        var include = new List<string[]>();
        var exclude = new List<string[]>();
        if (onlyFields is not null)
        {
            foreach (var path in GetAllRequest.ReadListValues("only_fields", onlyFields).OfType<string>().Where(p => p.Length > 0))
            {
                if (path.StartsWith('-'))
                {
                    exclude.Add(mapPath(path[1..].Split('.')));
                }
                else
                {
                    include.Add(mapPath(path.Split('.')));
                }
            }
        }
        return new Projection(include, exclude, hiddenByDefault);
    }

    /// <summary>The top-level fields the projection asks for (for joins such as <c>user.name</c>).</summary>
    public bool Requests(string path) => _include.Any(p => string.Join('.', p) == path);

    /// <summary>
    /// Whether the projection names only top-level fields, so a document writer can apply it field
    /// by field with <see cref="IncludesField"/> instead of building and copying a tree.
    /// </summary>
    public bool IsTopLevel => _include.All(p => p.Length == 1) && _exclude.All(p => p.Length == 1);

    /// <summary>For a top-level projection with includes: the fields it can return; null when it returns every field.</summary>
    public IReadOnlySet<string>? TopLevelIncludes =>
        _include.Count == 0 ? null : _include.Select(p => p[0]).Where(IncludesField).ToHashSet(StringComparer.Ordinal);

    /// <summary>For a top-level projection: whether the field goes into the returned document.</summary>
    public bool IncludesField(string field) =>
        (_include.Count == 0 ? !_hiddenByDefault.Contains(field) : _include.Any(p => p[0] == field))
        && !_exclude.Any(p => p[0] == field);

    /// <summary>The paths the projection includes, as given (empty when it includes everything).</summary>
    public IEnumerable<string> Included => _include.Select(p => string.Join('.', p));

    /// <summary>Adds a path to the includes (the <c>_ex</c> endpoints always return <c>id</c>).</summary>
    public Projection WithInclude(string path)
    {
        if (_include.Count > 0 && !Requests(path))
        {
            _include.Add(path.Split('.'));
        }
        return this;
    }

    public JsonObject Apply(JsonObject document)
    {
        JsonObject result;
        if (_include.Count == 0)
        {
            result = document;
            foreach (var hidden in _hiddenByDefault)
            {
                result.Remove(hidden);
            }
        }
        else
        {
            result = [];
            foreach (var path in _include)
            {
                Copy(document, result, path, 0);
            }
        }
        foreach (var path in _exclude)
        {
            Remove(result, path, 0);
        }
        return result;
    }

    private static void Copy(JsonObject source, JsonObject target, string[] path, int depth)
    {
        if (!source.TryGetPropertyValue(path[depth], out var value))
        {
            return;
        }
        if (depth == path.Length - 1)
        {
            target[path[depth]] = value?.DeepClone();
            return;
        }
        if (value is JsonObject child)
        {
            if (target[path[depth]] is not JsonObject next)
            {
                next = [];
                target[path[depth]] = next;
            }
            Copy(child, next, path, depth + 1);
        }
    }

    private static void Remove(JsonObject target, string[] path, int depth)
    {
        if (depth == path.Length - 1)
        {
            target.Remove(path[depth]);
        }
        else if (target[path[depth]] is JsonObject child)
        {
            Remove(child, path, depth + 1);
        }
    }
}
