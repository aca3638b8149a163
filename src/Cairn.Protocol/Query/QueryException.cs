namespace Cairn.Protocol.Query;

/// <summary>
/// A query that does not parse, or that ClearML's <c>get_all</c> fields cannot express. <see cref="Column"/>
/// (1-based) and <see cref="Token"/> point at the part of the query text at fault; the message says both.
/// </summary>
public sealed class QueryException : FormatException
{
    public QueryException(string reason, int column, string token)
        : base($"{reason} (column {column}, at {(token.Length == 0 ? "the end" : "'" + token + "'")})")
    {
        Reason = reason;
        Column = column;
        Token = token;
    }

    public QueryException()
        : this("Invalid query", 1, "")
    {
    }

    public QueryException(string message)
        : this(message, 1, "")
    {
    }

    public QueryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
        Column = 1;
        Token = "";
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }

    /// <summary>The 1-based column of <see cref="Token"/> in the query text.</summary>
    public int Column { get; }

    /// <summary>The token at fault as written ("" for the end of the text).</summary>
    public string Token { get; }
}
