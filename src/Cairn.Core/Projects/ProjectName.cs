using Cairn.Core.Errors;

namespace Cairn.Core.Projects;

/// <summary>
/// A normalized project path: split on '/', each part stripped, empty parts dropped
/// (ClearML's rules), at most <see cref="MaxDepth"/> levels.
/// </summary>
public sealed class ProjectName
{
    public const int MaxDepth = 10;
    public const int MinLength = 3;

    private ProjectName(IReadOnlyList<string> parts)
    {
        Parts = parts;
        FullName = string.Join('/', parts);
    }

    public IReadOnlyList<string> Parts { get; }

    public string FullName { get; }

    public string Basename => Parts[^1];

    /// <summary>The full names of every ancestor, from the root down (not including this one).</summary>
    public IEnumerable<string> AncestorNames =>
        Enumerable.Range(1, Parts.Count - 1).Select(n => string.Join('/', Parts.Take(n)));

    /// <exception cref="CairnException">400/407 when nothing is left after normalization, 400/409 when too deep,
    /// 400/800 when the name or an ancestor's name is shorter than 3 characters.</exception>
    public static ProjectName Parse(string? name)
    {
        EntityLimits.Text("name", name, EntityLimits.MaxNameLength);
        var parts = (name ?? "").Split('/')
            .Select(p => p.Trim())
            .Where(p => p.Length > 0)
            .ToArray();
        if (parts.Length == 0)
        {
            throw new CairnException(ErrorCodes.InvalidProjectName, null, new Dictionary<string, object?> { ["name"] = name });
        }
        if (parts.Length > MaxDepth)
        {
            throw new CairnException(ErrorCodes.ProjectPathExceedsMax, null,
                new Dictionary<string, object?> { ["max_depth"] = MaxDepth });
        }
        // Every ancestor is a project too, so the root part must meet the minimum length;
        // that also covers the full name, which is longer.
        if (parts[0].Length < MinLength)
        {
            throw new CairnException(ErrorCodes.DataValidationError,
                $"project names must be at least {MinLength} characters long, and so must each ancestor's",
                new Dictionary<string, object?> { ["name"] = parts[0] });
        }
        return new ProjectName(parts);
    }

    public override string ToString() => FullName;
}
