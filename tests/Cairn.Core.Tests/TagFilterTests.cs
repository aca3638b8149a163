using Cairn.Core.Errors;
using Cairn.Core.Querying;
using Xunit;

namespace Cairn.Core.Tests;

/// <summary><see cref="TagFilter.Parse"/>: ClearML's tag-operator bucket algorithm (api.md §4.2).</summary>
public sealed class TagFilterTests
{
    private const LogicalOperator And = LogicalOperator.And;
    private const LogicalOperator Or = LogicalOperator.Or;

    /// <summary>
    /// Every row of the §4.2 worked-examples table at the bucket level:
    /// value → AnyOf (IN), AllOf (ALL), NoneOf (NIN), AllowEmpty, Operator.
    /// </summary>
    public static TheoryData<string?[], string[], string[], string[], bool, LogicalOperator> WorkedExamples => new()
    {
        { ["a"], ["a"], [], [], false, And },
        { ["a", "b"], ["a", "b"], [], [], false, And },
        { ["-a"], [], [], ["a"], false, And },
        { ["a", "-b"], ["a"], [], ["b"], false, And },
        { ["__$all", "a", "b"], [], ["a", "b"], [], false, And },
        { ["__$and", "a", "__$not", "b"], [], ["a"], ["b"], false, And },
        { ["__$any", "a", "__$not", "b"], ["a"], [], ["b"], false, Or },
        { ["__$not", "a", "__$not", "c"], [], [], ["a", "c"], false, And },
        { [null], [], [], [], true, And },
        { ["c", null], ["c"], [], [], true, And },
        { ["a", "__$and", "b"], ["a"], ["b"], [], false, And },
        { ["__$or", "c", "__$and", "a", "b"], ["c"], ["a", "b"], [], false, Or },
        { ["__$all", "a", "b", "__$or", "c"], ["c"], ["a", "b"], [], false, And },
        { ["__$any", "-a"], ["-a"], [], [], false, Or },
        { ["__$all", "a", "__$nop", "-b"], [], ["a"], ["b"], false, And },
        { ["a", "__$or", "c"], ["a", "c"], [], [], false, And },
        { [], [], [], [], false, And },
    };

    [Theory]
    [MemberData(nameof(WorkedExamples))]
    public void Every_worked_example_of_the_spec_lands_in_the_stated_buckets(
        string?[] value, string[] anyOf, string[] allOf, string[] noneOf, bool allowEmpty, LogicalOperator op)
    {
        var filter = TagFilter.Parse(value);

        Assert.Equal(anyOf, filter.AnyOf);
        Assert.Equal(allOf, filter.AllOf);
        Assert.Equal(noneOf, filter.NoneOf);
        Assert.Equal(allowEmpty, filter.AllowEmpty);
        Assert.Equal(op, filter.Operator);
    }

    /// <summary>The error rows of the table, and the other ways to break the tokenizer.</summary>
    public static TheoryData<string?[]> MalformedValues => new()
    {
        { ["__$foo"] },
        { ["a", "__$xor", "b"] },
        { ["__$not"] },
        { ["a", "__$not"] },
        { ["__$not", "__$all", "a"] },
        { ["__$not", "__$not", "a"] },
        { ["-"] },
        { ["__$all", "a", "__$nop", "-"] },
    };

    [Theory]
    [MemberData(nameof(MalformedValues))]
    public void Malformed_operator_sequences_are_400_16(string?[] value)
    {
        var error = Assert.Throws<CairnException>(() => TagFilter.Parse(value));

        Assert.Equal(400, error.Error.Code);
        Assert.Equal(16, error.Error.Subcode);
    }

    [Fact]
    public void Excluded_tag_before_any_operator_lands_in_the_NIN_bucket()
    {
        var filter = TagFilter.Parse(["-archived"]);

        Assert.Equal(["archived"], filter.NoneOf);
        Assert.Empty(filter.AnyOf);
    }

    [Fact]
    public void A_dash_after_an_operator_is_part_of_a_literal_tag()
    {
        var filter = TagFilter.Parse(["__$or", "-", "-x"]);

        Assert.Equal(["-", "-x"], filter.AnyOf);
        Assert.Empty(filter.NoneOf);
    }

    [Fact]
    public void A_value_after_not_keeps_its_leading_dash()
    {
        var filter = TagFilter.Parse(["__$not", "-a"]);

        Assert.Equal(["-a"], filter.NoneOf);
    }

    [Fact]
    public void Null_cancels_a_pending_not()
    {
        var filter = TagFilter.Parse(["__$not", null, "a"]);

        Assert.True(filter.AllowEmpty);
        Assert.Equal(["a"], filter.AnyOf);
        Assert.Empty(filter.NoneOf);
    }

    [Fact]
    public void Nop_cancels_a_pending_not_and_resets_the_context_to_OR()
    {
        var filter = TagFilter.Parse(["__$and", "a", "__$not", "__$nop", "b"]);

        Assert.Equal(["a"], filter.AllOf);
        Assert.Equal(["b"], filter.AnyOf);
        Assert.Empty(filter.NoneOf);
        Assert.Equal(LogicalOperator.And, filter.Operator);
    }

    /// <summary>
    /// The reference server fixes the global operator to AND at the first term that is not an
    /// operator, and a null (allow-empty) or <c>__$nop</c> (reset) term is such a term.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("__$nop")]
    public void A_leading_null_or_nop_fixes_the_global_operator_to_AND_before_any_operator(string? leading)
    {
        var filter = TagFilter.Parse([leading, "__$or", "a", "__$not", "b"]);

        Assert.Equal(["a"], filter.AnyOf);
        Assert.Equal(["b"], filter.NoneOf);
        Assert.Equal(LogicalOperator.And, filter.Operator);
    }

    [Fact]
    public void Excluded_values_share_one_bucket_whatever_their_context()
    {
        var filter = TagFilter.Parse(["-a", "__$and", "__$not", "b", "__$or", "__$not", "c"]);

        Assert.Equal(["a", "b", "c"], filter.NoneOf);
        Assert.Empty(filter.AnyOf);
        Assert.Empty(filter.AllOf);
    }

    [Fact]
    public void Repeated_values_are_kept_once_per_bucket()
    {
        var filter = TagFilter.Parse(["a", "a", "-b", "-b", "__$all", "c", "c"]);

        Assert.Equal(["a"], filter.AnyOf);
        Assert.Equal(["b"], filter.NoneOf);
        Assert.Equal(["c"], filter.AllOf);
    }

    [Fact]
    public void Matching_is_case_sensitive_so_differently_cased_values_are_distinct()
    {
        var filter = TagFilter.Parse(["Tag", "tag"]);

        Assert.Equal(["Tag", "tag"], filter.AnyOf);
    }

    [Fact]
    public void Only_an_empty_list_is_an_empty_filter()
    {
        Assert.True(TagFilter.Parse([]).IsEmpty);
        Assert.False(TagFilter.Parse([null]).IsEmpty);
        Assert.False(TagFilter.Parse(["-a"]).IsEmpty);
        Assert.False(TagFilter.Parse(["__$all", "a"]).IsEmpty);
    }
}
