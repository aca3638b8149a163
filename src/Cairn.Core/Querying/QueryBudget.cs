using System.Globalization;
using Cairn.Core.Errors;

namespace Cairn.Core.Querying;

/// <summary>
/// The time one <c>get_all</c> query may run in the store, for the whole query (not per row), so
/// a costly pattern cannot hold the server. A store stops the database statement when it runs out
/// (SQLite: <c>sqlite3_interrupt</c>; PostgreSQL: <c>SET LOCAL statement_timeout</c>) and throws
/// <see cref="Exceeded"/>.
/// </summary>
public static class QueryBudget
{
    /// <summary>The default budget (<c>Cairn:QueryTimeout</c>).</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The 400 for a query stopped at its budget: 400/21 naming the patterns when the query has
    /// any, since they are almost always the cost; otherwise 400/12.
    /// </summary>
    public static CairnException Exceeded(EntityQuery query, TimeSpan budget)
    {
        var patterns = PatternList(query);
        var seconds = Seconds(budget);
        return patterns.Length > 0
            ? new CairnException(ErrorCodes.InvalidRegex, $"the query ran past its {seconds} s budget evaluating {patterns}; simplify the pattern")
            : CairnException.Validation($"the query ran past its {seconds} s budget; narrow it");
    }

    /// <summary>The 400/21 for a pattern that ran past <see cref="PythonRegex.MatchTimeout"/> on a single value.</summary>
    public static CairnException PatternTimedOut(EntityQuery query) =>
        new(ErrorCodes.InvalidRegex,
            $"evaluating {PatternList(query)} took longer than {Seconds(PythonRegex.MatchTimeout)} s on one value; simplify the pattern");

    private static string PatternList(EntityQuery query) =>
        string.Join(", ", Patterns(query.Conditions).Distinct(StringComparer.Ordinal).Select(p => $"'{Shorten(p)}'"));

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether the query has a pattern a store must run as a regex on rows (no exact, anchored-exact
    /// or plain-substring form): the only kind whose cost a client can make unbounded per row.
    /// </summary>
    public static bool RunsRegexOnRows(EntityQuery query) =>
        PatternConditions(query.Conditions).Any(c => RegexLiteral.Analyze(c.Pattern) is not ({ Exact: true } or { EndsAtText: true } or { WholePattern: true }));

    private static IEnumerable<PatternCondition> PatternConditions(IEnumerable<QueryCondition> conditions) =>
        conditions.SelectMany(condition => condition switch
        {
            PatternCondition pattern => [pattern],
            AnyCondition any => PatternConditions(any.Conditions),
            AllCondition all => PatternConditions(all.Conditions),
            _ => [],
        });

    private static IEnumerable<string> Patterns(IEnumerable<QueryCondition> conditions) =>
        conditions.SelectMany(condition => condition switch
        {
            PatternCondition pattern => [pattern.Pattern],
            AnyCondition any => Patterns(any.Conditions),
            AllCondition all => Patterns(all.Conditions),
            _ => [],
        });

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
