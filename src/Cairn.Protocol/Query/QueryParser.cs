using System.Globalization;
using System.Text.RegularExpressions;

namespace Cairn.Protocol.Query;

/// <summary>
/// Parses the model query language (docs/query.md) into a <see cref="QueryNode"/> tree:
/// <code>
/// query   = or ;
/// or      = and { "or" and } ;
/// and     = unary { "and" unary } ;
/// unary   = "not" unary | "(" or ")" | atom ;
/// </code>
/// Keywords are case-insensitive; a syntax error is a <see cref="QueryException"/> with the column.
/// </summary>
public static class QueryParser
{
    /// <summary>The deepest nesting of parentheses and <c>not</c> accepted.</summary>
    public const int MaxDepth = 64;

    private static readonly string[] Fields =
        ["tag", "system_tag", "framework", "project", "id", "user", "task", "meta.KEY", "name", "comment", "published", "draft", "updated", "created"];

    public static QueryNode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new State(QueryLexer.Tokenize(text));
        if (parser.Peek.Kind == TokenKind.End)
        {
            throw new QueryException("The query is empty", parser.Peek.Column, "");
        }
        var node = parser.ParseOr(0);
        var rest = parser.Peek;
        if (rest.Kind != TokenKind.End)
        {
            throw rest.Kind == TokenKind.RightParen
                ? new QueryException("Unbalanced ')'", rest.Column, rest.Text)
                : new QueryException("Expected 'and', 'or' or the end of the query", rest.Column, rest.Text);
        }
        return node;
    }

    private sealed class State(List<Token> tokens)
    {
        private int _next;

        public Token Peek => tokens[_next];

        private Token Take() => tokens[_next++];

        public QueryNode ParseOr(int depth)
        {
            var first = ParseAnd(depth);
            if (!Peek.IsKeyword("or"))
            {
                return first;
            }
            var operands = new List<QueryNode> { first };
            var columns = new List<int>();
            while (Peek.IsKeyword("or"))
            {
                columns.Add(Take().Column);
                operands.Add(ParseAnd(depth));
            }
            return new QueryOr(operands, columns, first.Column);
        }

        private QueryNode ParseAnd(int depth)
        {
            var first = ParseUnary(depth);
            if (!Peek.IsKeyword("and"))
            {
                return first;
            }
            var operands = new List<QueryNode> { first };
            var columns = new List<int>();
            while (Peek.IsKeyword("and"))
            {
                columns.Add(Take().Column);
                operands.Add(ParseUnary(depth));
            }
            return new QueryAnd(operands, columns, first.Column);
        }

        private QueryNode ParseUnary(int depth)
        {
            var token = Peek;
            if (depth >= MaxDepth)
            {
                throw new QueryException($"The query nests deeper than {MaxDepth} levels", token.Column, token.Text);
            }
            if (token.IsKeyword("not"))
            {
                Take();
                return new QueryNot(ParseUnary(depth + 1), token.Column);
            }
            if (token.Kind == TokenKind.LeftParen)
            {
                Take();
                if (Peek.Kind == TokenKind.RightParen)
                {
                    throw new QueryException("Empty parentheses", Peek.Column, Peek.Text);
                }
                var inner = ParseOr(depth + 1);
                if (Peek.Kind != TokenKind.RightParen)
                {
                    throw Peek.Kind == TokenKind.End
                        ? new QueryException("Missing ')' for the '(' at column " + token.Column.ToString(CultureInfo.InvariantCulture), Peek.Column, "")
                        : new QueryException("Expected ')', 'and' or 'or'", Peek.Column, Peek.Text);
                }
                Take();
                return inner;
            }
            return ParseAtom();
        }

        private QueryNode ParseAtom()
        {
            var field = Take();
            if (field.Kind != TokenKind.Word || QueryLexer.IsKeyword(field.Value))
            {
                throw field.Kind == TokenKind.End
                    ? new QueryException("Expected a condition", field.Column, "")
                    : new QueryException("Expected a condition such as tag:NAME", field.Column, field.Text);
            }
            var name = field.Value.ToLowerInvariant();
            if (name.StartsWith("meta.", StringComparison.Ordinal) || name.StartsWith("metadata.", StringComparison.Ordinal))
            {
                var key = field.Value[(field.Value.IndexOf('.', StringComparison.Ordinal) + 1)..];
                if (key.Length == 0)
                {
                    throw new QueryException("Expected a metadata key after 'meta.'", field.Column, field.Text);
                }
                // Everything after the first '.' is the key: the compiler escapes it (MetadataKeys), so
                // "meta.acc.top1" addresses the key "acc.top1", not a field "top1" inside "acc".
                return ListAtom(QueryField.Metadata, key, field);
            }
            switch (name)
            {
                case "tag" or "tags":
                    return ListAtom(QueryField.Tag, null, field);
                case "system_tag" or "system_tags":
                    return ListAtom(QueryField.SystemTag, null, field);
                case "framework":
                    return ListAtom(QueryField.Framework, null, field);
                case "project":
                    return ListAtom(QueryField.Project, null, field);
                case "id":
                    return ListAtom(QueryField.Id, null, field);
                case "user":
                    return ListAtom(QueryField.User, null, field);
                case "task":
                    return ListAtom(QueryField.Task, null, field);
                case "name":
                    return PatternAtom(QueryField.Name, field);
                case "comment":
                    return PatternAtom(QueryField.Comment, field);
                case "published" or "ready":
                    return new QueryFlag(QueryField.Published, field.Column);
                case "draft":
                    return new QueryNot(new QueryFlag(QueryField.Published, field.Column), field.Column);
                case "updated" or "last_update":
                    return DateAtom(QueryField.Updated, field);
                case "created":
                    return DateAtom(QueryField.Created, field);
                default:
                    throw new QueryException($"Unknown field '{field.Value}' (known: {string.Join(", ", Fields)})", field.Column, field.Text);
            }
        }

        private QueryNode ListAtom(QueryField kind, string? key, Token field)
        {
            var op = Take();
            if (op.Kind is not (TokenKind.Colon or TokenKind.Equal or TokenKind.NotEqual))
            {
                throw new QueryException($"Expected ':', '=' or '!=' after '{field.Value}'", op.Column, op.Text);
            }
            var value = Value(field);
            if (value.Value.StartsWith("__$", StringComparison.Ordinal))
            {
                throw new QueryException("A value cannot start with '__$' (ClearML reads it as an operator)", value.Column, value.Text);
            }
            QueryNode atom = new QueryValue(kind, key, value.Value, field.Column);
            return op.Kind == TokenKind.NotEqual ? new QueryNot(atom, field.Column) : atom;
        }

        private QueryNode PatternAtom(QueryField kind, Token field)
        {
            var op = Take();
            if (op.Kind is not (TokenKind.Match or TokenKind.Equal or TokenKind.NotEqual or TokenKind.Colon))
            {
                throw new QueryException($"Expected '~' (regex), '=' or '!=' after '{field.Value}'", op.Column, op.Text);
            }
            var value = Value(field);
            if (op.Kind is TokenKind.Match or TokenKind.Colon)
            {
                try
                {
                    // A first check of the expression; the server's regex engine has the last word.
                    // Python's named groups are spelled the .NET way for the check.
                    var dotnet = value.Value.Replace("(?P<", "(?<", StringComparison.Ordinal);
                    dotnet = Regex.Replace(dotnet, @"\(\?P=(\w+)\)", @"\k<$1>", RegexOptions.None, TimeSpan.FromSeconds(1));
                    _ = new Regex(dotnet, RegexOptions.None, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException error)
                {
                    throw new QueryException($"Invalid regular expression: {error.Message}", value.Column, value.Text);
                }
            }
            QueryNode atom = new QueryPattern(kind, value.Value, op.Kind is TokenKind.Equal or TokenKind.NotEqual, field.Column);
            return op.Kind == TokenKind.NotEqual ? new QueryNot(atom, field.Column) : atom;
        }

        private QueryNode DateAtom(QueryField kind, Token field)
        {
            var op = Take();
            var comparison = op.Kind switch
            {
                TokenKind.Equal or TokenKind.Colon => QueryComparison.Equal,
                TokenKind.Greater => QueryComparison.Greater,
                TokenKind.GreaterOrEqual => QueryComparison.GreaterOrEqual,
                TokenKind.Less => QueryComparison.Less,
                TokenKind.LessOrEqual => QueryComparison.LessOrEqual,
                TokenKind.NotEqual => (QueryComparison?)null,
                _ => throw new QueryException($"Expected one of > >= < <= = after '{field.Value}'", op.Column, op.Text),
            };
            var value = Value(field);
            DateTimeOffset date;
            bool dateOnly;
            if (DateTime.TryParseExact(value.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                date = new DateTimeOffset(day.Year, day.Month, day.Day, 0, 0, 0, TimeSpan.Zero);
                dateOnly = true;
            }
            else if (value.Value.Contains('T', StringComparison.Ordinal)
                && DateTimeOffset.TryParse(value.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            {
                date = instant;
                dateOnly = false;
            }
            else
            {
                throw new QueryException("Expected a date (2026-11-01) or an ISO-8601 time (2026-11-01T10:30:00Z)", value.Column, value.Text);
            }
            var atom = new QueryDate(kind, comparison ?? QueryComparison.Equal, date, dateOnly, field.Column);
            return comparison is null ? new QueryNot(atom, field.Column) : atom;
        }

        private Token Value(Token field)
        {
            var value = Take();
            if (value.Kind == TokenKind.String || (value.Kind == TokenKind.Word && !QueryLexer.IsKeyword(value.Value)))
            {
                return value;
            }
            throw value.Kind == TokenKind.End
                ? new QueryException($"Expected a value for '{field.Value}'", value.Column, "")
                : new QueryException($"Expected a value for '{field.Value}' (quote it if it is a keyword or holds spaces)", value.Column, value.Text);
        }
    }
}
