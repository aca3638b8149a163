namespace Cairn.Configuration.Hocon;

/// <summary>A configuration file that is not valid HOCON, or a substitution that cannot be resolved; names the place.</summary>
public sealed class HoconParseException : FormatException
{
    /// <summary>Creates the exception for <paramref name="problem"/> at a 1-based line and column.</summary>
    public HoconParseException(string problem, string? file, int line, int column)
        : base($"{file ?? "configuration"}:{line}:{column}: {problem}")
    {
        Problem = problem;
        File = file;
        Line = line;
        Column = column;
    }

    /// <summary>What is wrong, without the place.</summary>
    public string Problem { get; }

    /// <summary>The file being read, when the text came from one.</summary>
    public string? File { get; }

    /// <summary>The 1-based line.</summary>
    public int Line { get; }

    /// <summary>The 1-based column.</summary>
    public int Column { get; }
}
