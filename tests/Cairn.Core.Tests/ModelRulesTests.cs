using Cairn.Core.Errors;
using Cairn.Core.Models;
using Xunit;

namespace Cairn.Core.Tests;

/// <summary><see cref="ModelRules"/>: what ClearML validates when a model is saved (api.md §3.1–3.2).</summary>
public sealed class ModelRulesTests
{
    private static void AssertError(int code, int subcode, Action action)
    {
        var error = Assert.Throws<CairnException>(action);
        Assert.Equal((code, subcode), (error.Error.Code, error.Error.Subcode));
    }

    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("  resnet50  ", "resnet50")]
    [InlineData("\tmy model\n", "my model")]
    [InlineData(" a b ", "a b")]
    public void A_name_is_returned_stripped(string name, string expected)
    {
        Assert.Equal(expected, ModelRules.Name(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("  ab  ")]
    [InlineData("     ")]
    [InlineData(" a\n")]
    public void A_name_shorter_than_three_characters_after_stripping_is_a_data_validation_error(string name)
    {
        AssertError(400, 800, () => ModelRules.Name(name));
    }

    [Fact]
    public void Labels_with_unique_values_are_accepted_and_nulls_may_repeat()
    {
        var labels = new Dictionary<string, int?> { ["cat"] = 1, ["dog"] = 2, ["background"] = null, ["unknown"] = null, ["zero"] = 0 };

        Assert.Same(labels, ModelRules.Labels(labels));
    }

    [Fact]
    public void Empty_labels_are_accepted()
    {
        Assert.Empty(ModelRules.Labels(new Dictionary<string, int?>()));
    }

    [Fact]
    public void Two_labels_with_the_same_value_are_a_data_validation_error()
    {
        var labels = new Dictionary<string, int?> { ["cat"] = 1, ["dog"] = 2, ["kitten"] = 1 };

        AssertError(400, 800, () => ModelRules.Labels(labels));
    }

    [Fact]
    public void Ordinary_tags_are_accepted_as_they_are()
    {
        string[] tags = ["b", "a", "-x", "_$", "$__$", "__", "__x", "_$not", "a__$"];

        Assert.Equal(tags, ModelRules.Tags("tags", tags));
    }

    [Theory]
    [InlineData("__$not")]
    [InlineData("__$all")]
    [InlineData("__$")]
    [InlineData("__$anything")]
    public void A_tag_with_the_operator_prefix_is_an_unsupported_tag_prefix(string reserved)
    {
        AssertError(400, 16, () => ModelRules.Tags("tags", ["fine", reserved]));
        AssertError(400, 16, () => ModelRules.Tags("system_tags", [reserved]));
    }

    [Fact]
    public void A_null_tag_is_a_validation_error()
    {
        AssertError(400, 12, () => ModelRules.Tags("tags", ["a", null]));
    }
}
