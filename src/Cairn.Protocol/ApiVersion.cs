using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Cairn.Protocol;

/// <summary>A ClearML API version such as 2.23 (major.minor, compared numerically).</summary>
public readonly record struct ApiVersion(int Major, int Minor) : IComparable<ApiVersion>
{
    /// <summary>The highest version the server implements (ClearML server 2.0's maximum).</summary>
    public static readonly ApiVersion Max = new(2, 31);

    public static bool TryParse(string? text, [NotNullWhen(true)] out ApiVersion? version)
    {
        version = null;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot <= 0 || dot == text!.Length - 1
            || !int.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }
        version = new ApiVersion(major, minor);
        return true;
    }

    public static ApiVersion Parse(string text) =>
        TryParse(text, out var version) ? version.Value : throw new FormatException($"'{text}' is not an API version (major.minor).");

    public int CompareTo(ApiVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(ApiVersion a, ApiVersion b) => a.CompareTo(b) < 0;

    public static bool operator >(ApiVersion a, ApiVersion b) => a.CompareTo(b) > 0;

    public static bool operator <=(ApiVersion a, ApiVersion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(ApiVersion a, ApiVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}
