using Cairn.Core.Querying;
using Xunit;

namespace Cairn.Core.Tests;

/// <summary>
/// <see cref="NaturalOrder"/>: the numeric-aware order of <c>metadata.</c> and <c>last_metrics.</c>
/// fields (api.md §4.7; MongoDB's <c>numericOrdering</c> collation).
/// </summary>
public sealed class NaturalOrderTests
{
    private static int Compare(string? x, string? y) => NaturalOrder.Instance.Compare(x, y);

    /// <summary>Pairs where the first sorts strictly before the second.</summary>
    public static TheoryData<string, string> StrictlyBefore => new()
    {
        { "9", "10" },
        { "2", "10" },
        { "10", "100" },
        { "a2", "a10" },
        { "file9.txt", "file10.txt" },
        { "v1.9", "v1.10" },
        { "epoch 9 of 10", "epoch 10 of 10" },
        { "007", "8" },
        { "9", "010" },
        { "99999999999999999999", "100000000000000000000" },
        { "123456789012345678901234567890", "123456789012345678901234567891" },
        // Digits sort before letters.
        { "9", "a" },
        { "1", "1a" },
        // Case is ignored first: binary order would put "B" before "a".
        { "a", "B" },
        { "apple", "Banana" },
        { "Apple", "apricot" },
        // Same letters: lower case before upper case.
        { "a", "A" },
        { "abc", "aBc" },
        { "resnet", "ResNet" },
        // A difference in the letters outweighs an earlier difference in case only.
        { "Aa", "ab" },
        { "AB", "ac" },
        // A proper prefix sorts first.
        { "", "a" },
        { "abc", "abcd" },
        { "model", "model 2" },
    };

    [Theory]
    [MemberData(nameof(StrictlyBefore))]
    public void The_first_value_sorts_before_the_second(string first, string second)
    {
        Assert.True(Compare(first, second) < 0, $"expected '{first}' < '{second}', got {Compare(first, second)}");
        Assert.True(Compare(second, first) > 0, $"expected '{second}' > '{first}', got {Compare(second, first)}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("10")]
    [InlineData("a10b20")]
    public void A_value_equals_itself(string value)
    {
        Assert.Equal(0, Compare(value, value));
        Assert.Equal(0, Compare(value, new string(value.AsSpan())));
    }

    [Fact]
    public void Null_sorts_before_every_value_and_equals_null()
    {
        Assert.Equal(0, Compare(null, null));
        Assert.True(Compare(null, "") < 0);
        Assert.True(Compare(null, "0") < 0);
        Assert.True(Compare("", null) > 0);
        Assert.True(Compare("a", null) > 0);
    }

    [Fact]
    public void Sorting_with_it_orders_numbers_by_value()
    {
        string?[] values = ["10", "9", null, "1", "100", "2", "20"];

        var sorted = values.Order(NaturalOrder.Instance).ToArray();

        Assert.Equal((IEnumerable<string?>)[null, "1", "2", "9", "10", "20", "100"], sorted);
    }

    [Fact]
    public void Sorting_with_it_orders_mixed_text_case_insensitively_then_lower_first()
    {
        string[] values = ["B", "a10", "A", "b", "a2", "a"];

        var sorted = values.Order(NaturalOrder.Instance).ToArray();

        Assert.Equal(["a", "A", "a2", "a10", "b", "B"], sorted);
    }

    /// <summary>
    /// SQLite uses the order as a collation, which must be a consistent total order: a comparer that
    /// says both x &lt; y and y &lt; x makes ORDER BY results depend on the row order.
    /// </summary>
    [Fact]
    public void The_order_is_antisymmetric()
    {
        string[] sample =
        [
            "", "a", "A", "b", "B", "ab", "aB", "Ab", "AB", "1", "01", "2", "10", "a1", "A1", "a01", "a10",
            "K", "k", "\u212A" /* Kelvin sign */, "\u01C4", "\u01C5", "\u01C6" /* DŽ, Dž, dž */, "ß", "é", "É", "_", "-1", " ",
        ];

        var violations = (
            from x in sample
            from y in sample
            where string.CompareOrdinal(x, y) < 0 && Math.Sign(Compare(x, y)) != -Math.Sign(Compare(y, x))
            select $"'{x}' vs '{y}': {Compare(x, y)}, reversed {Compare(y, x)}").ToList();

        Assert.Empty(violations);
    }

    [Fact]
    public void The_order_is_transitive_over_a_sample()
    {
        string[] sample = ["", "a", "A", "b", "B", "ab", "aB", "Ab", "1", "01", "2", "10", "a1", "A1", "a01", "a10", "é", "É", "_", " "];

        foreach (var x in sample)
        {
            foreach (var y in sample)
            {
                foreach (var z in sample)
                {
                    if (Compare(x, y) <= 0 && Compare(y, z) <= 0)
                    {
                        Assert.True(Compare(x, z) <= 0, $"'{x}' <= '{y}' <= '{z}' but '{x}' > '{z}'");
                    }
                }
            }
        }
    }
}
