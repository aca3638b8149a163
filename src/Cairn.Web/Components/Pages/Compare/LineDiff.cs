namespace Cairn.Web.Components.Pages.Compare;

/// <summary>How a line of a compared text relates to the base text.</summary>
public enum DiffKind
{
    Same,
    Added,
    Removed,
}

public sealed record DiffLine(DiffKind Kind, string Text);

/// <summary>A line diff by longest common subsequence, for design texts side by side.</summary>
public static class LineDiff
{
    /// <summary>Above this many lines on a side the quadratic table is too big; the texts are shown whole.</summary>
    public const int MaxLines = 3000;

    /// <summary>The lines of <paramref name="other"/> against <paramref name="baseText"/>, or null when either is too long to diff.</summary>
    public static IReadOnlyList<DiffLine>? Compute(string? baseText, string? other)
    {
        var a = Lines(baseText);
        var b = Lines(other);
        if (a.Length > MaxLines || b.Length > MaxLines)
        {
            return null;
        }
        // lengths[i, j] = LCS length of a[i..] and b[j..].
        var lengths = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lengths[i, j] = a[i] == b[j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }
        var result = new List<DiffLine>(a.Length + b.Length);
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y])
            {
                result.Add(new DiffLine(DiffKind.Same, a[x]));
                x++;
                y++;
            }
            else if (lengths[x + 1, y] >= lengths[x, y + 1])
            {
                result.Add(new DiffLine(DiffKind.Removed, a[x++]));
            }
            else
            {
                result.Add(new DiffLine(DiffKind.Added, b[y++]));
            }
        }
        result.AddRange(a[x..].Select(l => new DiffLine(DiffKind.Removed, l)));
        result.AddRange(b[y..].Select(l => new DiffLine(DiffKind.Added, l)));
        return result;
    }

    private static string[] Lines(string? text) =>
        string.IsNullOrEmpty(text) ? [] : text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
}
