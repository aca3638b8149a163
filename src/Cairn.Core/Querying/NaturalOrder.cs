namespace Cairn.Core.Querying;

/// <summary>
/// The numeric-aware order ClearML uses for fields under <c>metadata.</c> and <c>last_metrics.</c>
/// (MongoDB's <c>numericOrdering</c> collation): runs of ASCII digits compare as numbers, so "9" &lt;
/// "10"; other text compares case-insensitively first and then lower case before upper case.
/// </summary>
public sealed class NaturalOrder : IComparer<string?>
{
    public static readonly NaturalOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null)
        {
            return -1;
        }
        if (y is null)
        {
            return 1;
        }
        var caseOrder = 0;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var (xStart, yStart) = (i, j);
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }
                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }
                var byNumber = CompareDigits(x.AsSpan(xStart, i - xStart), y.AsSpan(yStart, j - yStart));
                if (byNumber != 0)
                {
                    return byNumber;
                }
                continue;
            }
            var (a, b) = (x[i], y[j]);
            if (a != b)
            {
                var folded = char.ToLowerInvariant(a).CompareTo(char.ToLowerInvariant(b));
                if (folded != 0)
                {
                    return folded;
                }
                // Same letter in another case: remember lower-before-upper (or, when neither or
                // both are lower case, code point order) for a final tie-break.
                if (caseOrder == 0)
                {
                    caseOrder = char.IsLower(a) != char.IsLower(b) ? (char.IsLower(a) ? -1 : 1) : a.CompareTo(b);
                }
            }
            i++;
            j++;
        }
        var byLength = (x.Length - i).CompareTo(y.Length - j);
        return byLength != 0 ? byLength : caseOrder;
    }

    private static int CompareDigits(ReadOnlySpan<char> x, ReadOnlySpan<char> y)
    {
        x = x.TrimStart('0');
        y = y.TrimStart('0');
        // Without leading zeros the longer run is the larger number; equal lengths compare digit by digit.
        return x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.SequenceCompareTo(y);
    }
}
