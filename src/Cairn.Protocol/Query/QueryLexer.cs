using System.Text;

namespace Cairn.Protocol.Query;

internal enum TokenKind
{
    Word,
    String,
    LeftParen,
    RightParen,
    Colon,
    Equal,
    NotEqual,
    Match,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    End,
}

/// <summary>A token: its kind, its value (unquoted for strings), its text as written and its 1-based column.</summary>
internal readonly record struct Token(TokenKind Kind, string Value, string Text, int Column)
{
    public bool IsKeyword(string keyword) => Kind == TokenKind.Word && string.Equals(Value, keyword, StringComparison.OrdinalIgnoreCase);
}

internal static class QueryLexer
{
    /// <summary>The longest query text accepted, so a query's cost is bounded.</summary>
    public const int MaxLength = 16 * 1024;

    public static bool IsWordChar(char c) =>
        char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or '@' or '+' or '*' or '#' or '%' or '$' or ',';

    public static bool IsKeyword(string word) =>
        word.Equals("and", StringComparison.OrdinalIgnoreCase) || word.Equals("or", StringComparison.OrdinalIgnoreCase)
        || word.Equals("not", StringComparison.OrdinalIgnoreCase);

    public static List<Token> Tokenize(string text)
    {
        if (text.Length > MaxLength)
        {
            throw new QueryException($"The query is longer than {MaxLength} characters", MaxLength + 1, text[MaxLength].ToString());
        }
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var column = i + 1;
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            switch (c)
            {
                case '(':
                    tokens.Add(new Token(TokenKind.LeftParen, "(", "(", column));
                    i++;
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.RightParen, ")", ")", column));
                    i++;
                    continue;
                case ':':
                    tokens.Add(new Token(TokenKind.Colon, ":", ":", column));
                    i++;
                    continue;
                case '~':
                    tokens.Add(new Token(TokenKind.Match, "~", "~", column));
                    i++;
                    continue;
                case '=':
                    tokens.Add(new Token(TokenKind.Equal, "=", "=", column));
                    i += i + 1 < text.Length && text[i + 1] == '=' ? 2 : 1;
                    continue;
                case '!' when i + 1 < text.Length && text[i + 1] == '=':
                    tokens.Add(new Token(TokenKind.NotEqual, "!=", "!=", column));
                    i += 2;
                    continue;
                case '>' or '<':
                    var orEqual = i + 1 < text.Length && text[i + 1] == '=';
                    var op = c == '>' ? (orEqual ? TokenKind.GreaterOrEqual : TokenKind.Greater) : (orEqual ? TokenKind.LessOrEqual : TokenKind.Less);
                    var opText = text.Substring(i, orEqual ? 2 : 1);
                    tokens.Add(new Token(op, opText, opText, column));
                    i += opText.Length;
                    continue;
                case '"' or '\'':
                    tokens.Add(ReadString(text, ref i));
                    continue;
            }
            if (!IsWordChar(c))
            {
                throw new QueryException($"Unexpected character '{c}'", column, c.ToString());
            }
            var start = i;
            // A word that starts with a digit may hold ':' (a time of day: 2026-11-01T10:30:00Z).
            var digitFirst = char.IsAsciiDigit(c);
            while (i < text.Length && (IsWordChar(text[i]) || (digitFirst && text[i] == ':')))
            {
                i++;
            }
            var word = text[start..i];
            tokens.Add(new Token(TokenKind.Word, word, word, column));
        }
        tokens.Add(new Token(TokenKind.End, "", "", text.Length + 1));
        return tokens;
    }

    private static Token ReadString(string text, ref int i)
    {
        var quote = text[i];
        var start = i;
        var value = new StringBuilder();
        i++;
        while (i < text.Length && text[i] != quote)
        {
            if (text[i] == '\\' && i + 1 < text.Length && (text[i + 1] == quote || text[i + 1] == '\\'))
            {
                // Only \" (or \') and \\ are escapes; any other backslash is kept, so regexes read as written.
                value.Append(text[i + 1]);
                i += 2;
                continue;
            }
            value.Append(text[i]);
            i++;
        }
        if (i >= text.Length)
        {
            throw new QueryException("Unterminated string", start + 1, text[start..]);
        }
        i++;
        return new Token(TokenKind.String, value.ToString(), text[start..i], start + 1);
    }
}
