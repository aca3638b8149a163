using System.Globalization;
using System.Text;

namespace Cairn.Protocol.Query;

/// <summary>
/// A parsed model query (docs/query.md): a tree of <see cref="QueryAnd"/>, <see cref="QueryOr"/>,
/// <see cref="QueryNot"/> and atoms. <see cref="Column"/> is the 1-based column of the node's first
/// token in the query text, so the compiler can point at the part it cannot express.
/// </summary>
public abstract record QueryNode(int Column)
{
    /// <summary>The node as canonical query text (parses back to an equal tree, columns aside).</summary>
    public override string ToString() => QueryFormatter.Format(this);
}

/// <summary>Every operand holds. <see cref="OperatorColumns"/> are the columns of the <c>and</c> keywords.</summary>
public sealed record QueryAnd(IReadOnlyList<QueryNode> Operands, IReadOnlyList<int> OperatorColumns, int Column) : QueryNode(Column)
{
    public override string ToString() => QueryFormatter.Format(this);
}

/// <summary>At least one operand holds. <see cref="OperatorColumns"/> are the columns of the <c>or</c> keywords.</summary>
public sealed record QueryOr(IReadOnlyList<QueryNode> Operands, IReadOnlyList<int> OperatorColumns, int Column) : QueryNode(Column)
{
    public override string ToString() => QueryFormatter.Format(this);
}

/// <summary>The operand does not hold.</summary>
public sealed record QueryNot(QueryNode Operand, int Column) : QueryNode(Column)
{
    public override string ToString() => QueryFormatter.Format(this);
}

/// <summary>The fields a query can name.</summary>
public enum QueryField
{
    /// <summary><c>tag:x</c> — the model's tags (wire <c>tags</c>).</summary>
    Tag,
    /// <summary><c>system_tag:x</c> — the model's system tags (wire <c>system_tags</c>).</summary>
    SystemTag,
    /// <summary><c>framework:x</c> (wire <c>framework</c>).</summary>
    Framework,
    /// <summary><c>project:ID</c> (wire <c>project</c>).</summary>
    Project,
    /// <summary><c>id:ID</c> (wire <c>id</c>).</summary>
    Id,
    /// <summary><c>user:ID</c> (wire <c>user</c>).</summary>
    User,
    /// <summary><c>task:ID</c> (wire <c>task</c>).</summary>
    Task,
    /// <summary><c>meta.KEY = v</c> (wire <c>metadata.KEY.value</c>).</summary>
    Metadata,
    /// <summary><c>name ~ regex</c> / <c>name = text</c> (wire <c>name</c>).</summary>
    Name,
    /// <summary><c>comment ~ regex</c> (wire <c>comment</c>).</summary>
    Comment,
    /// <summary><c>published</c> (wire <c>ready</c>).</summary>
    Published,
    /// <summary><c>updated OP date</c> (wire <c>last_update</c>).</summary>
    Updated,
    /// <summary><c>created OP date</c> (wire <c>_all_: {fields: [created], datetime}</c>).</summary>
    Created,
}

/// <summary>A comparison of a date field.</summary>
public enum QueryComparison
{
    Equal,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// <summary>
/// An exact-match condition on a list field (tags, system tags, framework, ids, metadata):
/// the field holds <see cref="Value"/>. <see cref="Key"/> is the metadata key for <see cref="QueryField.Metadata"/>.
/// </summary>
public sealed record QueryValue(QueryField Field, string? Key, string Value, int Column) : QueryNode(Column)
{
    public override string ToString() => QueryFormatter.Format(this);
}

/// <summary>
/// A text field (name, comment) searched with <see cref="Pattern"/> (a regular expression, unanchored,
/// case-sensitive), or, when <see cref="Exact"/>, equal to it.
/// </summary>
public sealed record QueryPattern(QueryField Field, string Pattern, bool Exact, int Column) : QueryNode(Column)
{
    public override string ToString() => QueryFormatter.Format(this);
}

/// <summary>A boolean property of the model (<c>published</c>).</summary>
public sealed record QueryFlag(QueryField Field, int Column) : QueryNode(Column)
{
    public override string ToString() => QueryFormatter.Format(this);
}

/// <summary>
/// A comparison of a date field with <see cref="Value"/> (UTC). When <see cref="DateOnly"/> the value
/// was a calendar date and stands for that whole UTC day: <c>&gt; D</c> is after the day, <c>= D</c> within it.
/// </summary>
public sealed record QueryDate(QueryField Field, QueryComparison Comparison, DateTimeOffset Value, bool DateOnly, int Column) : QueryNode(Column)
{
    public override string ToString() => QueryFormatter.Format(this);
}

/// <summary>Writes a query tree back as canonical query text.</summary>
public static class QueryFormatter
{
    /// <summary>The canonical text of <paramref name="node"/>; parsing it gives an equal tree (columns aside).</summary>
    public static string Format(QueryNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var builder = new StringBuilder();
        Write(builder, node, 0);
        return builder.ToString();
    }

    // Precedence: or 1, and 2, not/atom 3; a child of lower precedence than its parent is parenthesized.
    private static int Precedence(QueryNode node) => node switch
    {
        QueryOr => 1,
        QueryAnd => 2,
        _ => 3,
    };

    private static void Write(StringBuilder builder, QueryNode node, int parent)
    {
        var own = Precedence(node);
        var parens = own < parent || (own == parent && own < 3);
        if (parens)
        {
            builder.Append('(');
        }
        switch (node)
        {
            case QueryAnd and:
                WriteAll(builder, and.Operands, " and ", 2);
                break;
            case QueryOr or:
                WriteAll(builder, or.Operands, " or ", 1);
                break;
            case QueryNot not:
                builder.Append("not ");
                Write(builder, not.Operand, 3);
                break;
            case QueryValue value:
                builder.Append(value.Field == QueryField.Metadata ? "meta." + value.Key + " = " : FieldName(value.Field) + ":");
                builder.Append(Literal(value.Value));
                break;
            case QueryPattern pattern:
                builder.Append(FieldName(pattern.Field)).Append(pattern.Exact ? " = " : " ~ ").Append(Quote(pattern.Pattern));
                break;
            case QueryFlag flag:
                builder.Append(FieldName(flag.Field));
                break;
            case QueryDate date:
                builder.Append(FieldName(date.Field)).Append(' ').Append(ComparisonText(date.Comparison)).Append(' ')
                    .Append(date.DateOnly
                        ? date.Value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                        : Quote(date.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)));
                break;
            default:
                throw new ArgumentException($"Unknown query node {node.GetType().Name}", nameof(node));
        }
        if (parens)
        {
            builder.Append(')');
        }
    }

    private static void WriteAll(StringBuilder builder, IReadOnlyList<QueryNode> operands, string separator, int precedence)
    {
        for (var i = 0; i < operands.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(separator);
            }
            // Operands of the same operator are parenthesized only when they are that operator themselves.
            Write(builder, operands[i], precedence + (Precedence(operands[i]) == precedence ? 1 : 0));
        }
    }

    internal static string FieldName(QueryField field) => field switch
    {
        QueryField.Tag => "tag",
        QueryField.SystemTag => "system_tag",
        QueryField.Framework => "framework",
        QueryField.Project => "project",
        QueryField.Id => "id",
        QueryField.User => "user",
        QueryField.Task => "task",
        QueryField.Metadata => "meta",
        QueryField.Name => "name",
        QueryField.Comment => "comment",
        QueryField.Published => "published",
        QueryField.Updated => "updated",
        QueryField.Created => "created",
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    internal static string ComparisonText(QueryComparison comparison) => comparison switch
    {
        QueryComparison.Equal => "=",
        QueryComparison.Greater => ">",
        QueryComparison.GreaterOrEqual => ">=",
        QueryComparison.Less => "<",
        QueryComparison.LessOrEqual => "<=",
        _ => throw new ArgumentOutOfRangeException(nameof(comparison)),
    };

    /// <summary>A value as a bare word when it lexes back as one, else quoted.</summary>
    internal static string Literal(string value) =>
        value.Length > 0 && value.All(QueryLexer.IsWordChar) && !QueryLexer.IsKeyword(value) && !char.IsAsciiDigit(value[0])
            ? value
            : Quote(value);

    internal static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
