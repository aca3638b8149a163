namespace Cairn.Integrations;

/// <summary>fnmatch-style wildcards: <c>*</c> any run of characters, <c>?</c> one character; case-sensitive as on Linux.</summary>
internal static class Wildcard
{
    public static bool Matches(string pattern, string text)
    {
        // Iterative matching with one back-track point: linear in practice, never exponential.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}
