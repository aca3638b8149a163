using Cairn.Core.Errors;

namespace Cairn.Core.Querying;

public enum LogicalOperator
{
    And,
    Or,
}

/// <summary>
/// A list-field condition in ClearML's tag-operator form, reduced to its buckets (api.md §4.2):
/// <see cref="AnyOf"/> (IN: at least one), <see cref="AllOf"/> (ALL: every one),
/// <see cref="NoneOf"/> (NIN: none of them, also true for an empty field), joined with
/// <see cref="Operator"/>; <see cref="AllowEmpty"/> ORs "the field is empty" onto the result.
/// </summary>
public sealed record TagFilter(
    IReadOnlyList<string> AnyOf,
    IReadOnlyList<string> AllOf,
    IReadOnlyList<string> NoneOf,
    bool AllowEmpty,
    LogicalOperator Operator)
{
    /// <summary>True when the filter adds no condition at all (an empty list).</summary>
    public bool IsEmpty => AnyOf.Count == 0 && AllOf.Count == 0 && NoneOf.Count == 0 && !AllowEmpty;

    /// <summary>A filter that matches any of <paramref name="values"/> exactly.</summary>
    public static TagFilter Any(params string[] values) => new(values, [], [], false, LogicalOperator.And);

    /// <summary>A filter that matches rows whose field holds none of <paramref name="values"/>.</summary>
    public static TagFilter None(params string[] values) => new([], [], values, false, LogicalOperator.And);

    /// <summary>A filter that matches only rows whose field is empty (missing, null, "" or []).</summary>
    public static TagFilter Empty { get; } = new([], [], [], true, LogicalOperator.And);

    private const string OperatorPrefix = "__$";

    /// <summary>
    /// Parses a list-field value with ClearML's bucket algorithm. The tokenizer reads the legacy
    /// flag lazily, as the bucketing updates it, which is why parsing and bucketing are one loop.
    /// </summary>
    /// <exception cref="CairnException">400/16 for an unknown operator, a dangling <c>__$not</c> or a bare "-".</exception>
    public static TagFilter Parse(IReadOnlyList<string?> values)
    {
        var anyOf = new List<string>();
        var allOf = new List<string>();
        var noneOf = new List<string>();
        var allowEmpty = false;
        var context = LogicalOperator.Or;
        LogicalOperator? globalOperator = null;
        var legacy = true;
        var notPending = false;

        foreach (var value in values)
        {
            // Any term that is not an operator fixes the global operator to AND if none is set yet.
            if (value is null)
            {
                notPending = false;
                allowEmpty = true;
                globalOperator ??= LogicalOperator.And;
                continue;
            }

            if (value == "__$nop")
            {
                globalOperator ??= LogicalOperator.And;
                notPending = false;
                context = LogicalOperator.Or;
                legacy = true;
                continue;
            }

            if (value.StartsWith(OperatorPrefix, StringComparison.Ordinal))
            {
                if (notPending)
                {
                    throw new CairnException(ErrorCodes.FieldsValueError, $"Value is expected after {value}",
                        new Dictionary<string, object?> { ["value"] = value });
                }

                LogicalOperator op;
                switch (value)
                {
                    case "__$not":
                        notPending = true;
                        continue;
                    case "__$all" or "__$and":
                        op = LogicalOperator.And;
                        break;
                    case "__$any" or "__$or":
                        op = LogicalOperator.Or;
                        break;
                    default:
                        throw new CairnException(ErrorCodes.FieldsValueError, "Unsupported operator",
                            new Dictionary<string, object?> { ["operator"] = value });
                }

                context = op;
                legacy = false;
                globalOperator ??= op;
                continue;
            }

            var excluded = notPending;
            var term = value;
            if (!notPending && legacy && value.StartsWith('-'))
            {
                if (value.Length == 1)
                {
                    throw new CairnException(ErrorCodes.FieldsValueError, "Missing value after the '-' prefix",
                        new Dictionary<string, object?> { ["value"] = value });
                }
                excluded = true;
                term = value[1..];
            }
            notPending = false;
            globalOperator ??= LogicalOperator.And;

            var bucket = excluded ? noneOf : context == LogicalOperator.Or ? anyOf : allOf;
            if (!bucket.Contains(term))
            {
                bucket.Add(term);
            }
        }

        if (notPending)
        {
            throw new CairnException(ErrorCodes.FieldsValueError, "Value is expected after __$not");
        }

        return new TagFilter(anyOf, allOf, noneOf, allowEmpty, globalOperator ?? LogicalOperator.And);
    }
}
