using Cairn.Core.Errors;
using Cairn.Core.Projects;
using Xunit;

namespace Cairn.Core.Tests;

/// <summary><see cref="ProjectName"/>: ClearML's project-path normalization and limits (api.md §5.3).</summary>
public sealed class ProjectNameTests
{
    public static TheoryData<string, string, string[]> Normalizations => new()
    {
        { "Root", "Root", ["Root"] },
        { " Root / Sub ", "Root/Sub", ["Root", "Sub"] },
        { "Root//Sub/", "Root/Sub", ["Root", "Sub"] },
        { "/Root/ /Sub", "Root/Sub", ["Root", "Sub"] },
        { "\tRoot\n/\u00a0Sub\u00a0", "Root/Sub", ["Root", "Sub"] },
        { "my project / my sub project", "my project/my sub project", ["my project", "my sub project"] },
        { "Root/a/b", "Root/a/b", ["Root", "a", "b"] },
    };

    [Theory]
    [MemberData(nameof(Normalizations))]
    public void Names_are_split_on_slashes_stripped_and_empty_parts_dropped(string input, string fullName, string[] parts)
    {
        var name = ProjectName.Parse(input);

        Assert.Equal(fullName, name.FullName);
        Assert.Equal(parts, name.Parts);
        Assert.Equal(parts[^1], name.Basename);
        Assert.Equal(fullName, name.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("/")]
    [InlineData(" / // ")]
    public void A_name_with_nothing_left_after_normalization_is_400_407(string? input)
    {
        var error = Assert.Throws<CairnException>(() => ProjectName.Parse(input));

        Assert.Equal((400, 407), (error.Error.Code, error.Error.Subcode));
    }

    [Fact]
    public void Ten_levels_are_allowed()
    {
        var name = ProjectName.Parse("Root/2/3/4/5/6/7/8/9/10");

        Assert.Equal(ProjectName.MaxDepth, name.Parts.Count);
    }

    [Theory]
    [InlineData("Root/2/3/4/5/6/7/8/9/10/11")]
    [InlineData("Root/2/3/4/5/6/7/8/9/10/11/12/13")]
    public void More_than_ten_levels_are_400_409(string input)
    {
        var error = Assert.Throws<CairnException>(() => ProjectName.Parse(input));

        Assert.Equal((400, 409), (error.Error.Code, error.Error.Subcode));
    }

    [Fact]
    public void Empty_parts_do_not_count_as_levels()
    {
        var name = ProjectName.Parse("Root/2/3/4/5/6/7/8/9//10/ /");

        Assert.Equal(10, name.Parts.Count);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData(" ab ")]
    [InlineData("x")]
    [InlineData("ab/long enough")]
    [InlineData("/ab/cde")]
    public void A_root_part_shorter_than_three_characters_is_400_800(string input)
    {
        var error = Assert.Throws<CairnException>(() => ProjectName.Parse(input));

        Assert.Equal((400, 800), (error.Error.Code, error.Error.Subcode));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("abc/d")]
    [InlineData("abc/d/e")]
    public void Parts_below_the_root_may_be_shorter_than_three_characters(string input)
    {
        var name = ProjectName.Parse(input);

        Assert.Equal(input, name.FullName);
    }

    [Fact]
    public void Ancestor_names_are_every_proper_prefix_from_the_root_down()
    {
        var name = ProjectName.Parse(" Root / Team / Leaf ");

        Assert.Equal(["Root", "Root/Team"], name.AncestorNames);
    }

    [Fact]
    public void A_top_level_project_has_no_ancestors()
    {
        Assert.Empty(ProjectName.Parse("Root").AncestorNames);
    }
}
