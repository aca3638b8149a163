using System.Text;

namespace Cairn.Configuration.Hocon;

/// <summary>
/// Replaces <c>${path}</c> substitutions with the configuration's own value at that path or,
/// failing that, the environment variable of that name (HOCON's order); joins values written
/// next to each other. A missing <c>${?path}</c> drops its field; a missing <c>${path}</c> is an error.
/// </summary>
internal sealed class HoconResolver
{
    private readonly HoconObject _root;

    private readonly Func<string, string?> _environment;

    private readonly HashSet<string> _resolving = new(StringComparer.Ordinal);

    private HoconResolver(HoconObject root, Func<string, string?> environment)
    {
        _root = root;
        _environment = environment;
    }

    public static HoconObject Resolve(HoconObject root, Func<string, string?> environment) =>
        (HoconObject)new HoconResolver(root, environment).ResolveNode(root)!;

    private HoconNode? ResolveNode(HoconNode node) => node switch
    {
        HoconObject obj => ResolveObject(obj),
        HoconList list => new HoconList(list.Position, [.. list.Items.Select(ResolveNode).OfType<HoconNode>()]),
        HoconSubstitution substitution => ResolveSubstitution(substitution),
        HoconConcatenation concatenation => ResolveConcatenation(concatenation),
        _ => node,
    };

    private HoconObject ResolveObject(HoconObject obj)
    {
        var resolved = new HoconObject(obj.Position);
        foreach (var (key, value) in obj.Fields)
        {
            if (ResolveNode(value) is { } result)
            {
                resolved.Fields[key] = result;
            }
        }
        return resolved;
    }

    private HoconNode? ResolveSubstitution(HoconSubstitution substitution)
    {
        if (Find(_root, substitution.Path) is { } found)
        {
            if (!_resolving.Add(substitution.Path))
            {
                throw substitution.Position.Error($"the substitution ${{{substitution.Path}}} refers to itself");
            }
            try
            {
                return ResolveNode(found);
            }
            finally
            {
                _resolving.Remove(substitution.Path);
            }
        }
        if (_environment(substitution.Path) is { } value)
        {
            return new HoconScalar(substitution.Position, value, quoted: false);
        }
        return substitution.Optional
            ? null
            : throw substitution.Position.Error($"cannot resolve ${{{substitution.Path}}}: it is neither a configuration key nor an environment variable (write ${{?{substitution.Path}}} to make it optional)");
    }

    private HoconNode? ResolveConcatenation(HoconConcatenation concatenation)
    {
        var parts = concatenation.Parts.Select(p => p is HoconParser.Whitespace ? p : ResolveNode(p)).OfType<HoconNode>().ToList();
        var values = parts.Where(p => p is not HoconParser.Whitespace).ToList();
        if (values.Count == 0)
        {
            return null;
        }
        if (values.All(v => v is HoconObject))
        {
            var merged = new HoconObject(concatenation.Position);
            foreach (var obj in values.Cast<HoconObject>())
            {
                merged.MergeFrom(obj);
            }
            return merged;
        }
        if (values.All(v => v is HoconList))
        {
            return new HoconList(concatenation.Position, [.. values.Cast<HoconList>().SelectMany(l => l.Items)]);
        }
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            switch (part)
            {
                case HoconParser.Whitespace space:
                    text.Append(space.Text);
                    break;
                case HoconScalar scalar:
                    text.Append(scalar.Text ?? "null");
                    break;
                default:
                    throw part.Position.Error("an object or list cannot be joined with text");
            }
        }
        return new HoconScalar(concatenation.Position, text.ToString().Trim(), quoted: true);
    }

    /// <summary>The node at a dotted path, or null.</summary>
    public static HoconNode? Find(HoconObject root, string path)
    {
        HoconNode current = root;
        foreach (var segment in path.Split('.'))
        {
            if (current is not HoconObject obj || !obj.Fields.TryGetValue(segment, out var next))
            {
                return null;
            }
            current = next;
        }
        return current;
    }
}
