using Cairn.Core;
using Cairn.Core.Projects;
using Cairn.Core.Querying;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary><c>IProjectStore.QueryAsync</c> against real rows: api.md §4.2–§4.7.</summary>
public abstract partial class ProjectStoreContract
{
    /// <summary>Creates one top-level project per label, named "Example &lt;label&gt;"; returns id → label.</summary>
    private async Task<Dictionary<string, string>> CreateLabelledAsync(params (string Label, string[] Tags)[] projects)
    {
        var labels = new Dictionary<string, string>();
        foreach (var (label, tags) in projects)
        {
            labels[await CreateAsync($"Example {label}", tags: tags)] = label;
        }
        return labels;
    }

    private static string[] Labels(IEnumerable<Project> found, Dictionary<string, string> labels) =>
        [.. found.Select(p => labels[p.Id]).Order(StringComparer.Ordinal)];

    private Task<IReadOnlyList<Project>> OrderedAsync(IReadOnlyList<SortKey> order, int skip = 0, int take = EntityQuery.MaxPageSize) =>
        Store.Projects.QueryAsync(Company, new EntityQuery([], order, skip, take));

    // ---- §4.2 tag operators -------------------------------------------------------------------

    /// <summary>The §4.2 worked-examples table: M1 [a,b], M2 [a], M3 [b,c], M4 [], M5 [c].</summary>
    public static TheoryData<string?[], string[]> TagWorkedExamples => new()
    {
        { ["a"], ["M1", "M2"] },
        { ["a", "b"], ["M1", "M2", "M3"] },
        { ["-a"], ["M3", "M4", "M5"] },
        { ["a", "-b"], ["M2"] },
        { ["__$all", "a", "b"], ["M1"] },
        { ["__$and", "a", "__$not", "b"], ["M2"] },
        { ["__$any", "a", "__$not", "b"], ["M1", "M2", "M4", "M5"] },
        { ["__$not", "a", "__$not", "c"], ["M4"] },
        { [null], ["M4"] },
        { ["c", null], ["M3", "M4", "M5"] },
        { ["a", "__$and", "b"], ["M1"] },
        { ["__$or", "c", "__$and", "a", "b"], ["M1", "M3", "M5"] },
        { ["__$all", "a", "b", "__$or", "c"], [] },
        { ["__$any", "-a"], [] },
        { ["__$all", "a", "__$nop", "-b"], ["M2"] },
        { ["a", "__$or", "c"], ["M1", "M2", "M3", "M5"] },
        { [], ["M1", "M2", "M3", "M4", "M5"] },
    };

    [Theory]
    [MemberData(nameof(TagWorkedExamples), MemberType = typeof(ProjectStoreContract))]
    public async Task Every_worked_example_of_the_tag_operators_returns_the_stated_projects(string?[] value, string[] expected)
    {
        var labels = await CreateLabelledAsync(("M1", ["a", "b"]), ("M2", ["a"]), ("M3", ["b", "c"]), ("M4", []), ("M5", ["c"]));

        var found = await QueryAsync(new ListCondition("tags", TagFilter.Parse(value)));

        Assert.Equal(expected, Labels(found, labels));
    }

    [Fact]
    public async Task Tag_matching_is_exact_and_case_sensitive()
    {
        var labels = await CreateLabelledAsync(("upper", ["Tag"]), ("lower", ["tag"]), ("longer", ["tag2"]));

        Assert.Equal(["lower"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.Any("tag"))), labels));
        Assert.Equal(["longer", "upper"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.None("tag"))), labels));
    }

    [Fact]
    public async Task Scalar_list_fields_compare_the_whole_value()
    {
        var leaf = await GetAsync(await CreateAsync("Root/Team/Leaf"));
        var other = await CreateAsync("Root/Other");
        var (root, team) = (leaf.Path[0], leaf.Path[1]);
        var names = (IReadOnlyList<Project> found) => found.Select(p => p.Name).ToArray();

        Assert.Equal(["Root/Other", "Root/Team/Leaf"], names(await QueryAsync(new ListCondition("id", TagFilter.Any(leaf.Id, other)))));
        Assert.Equal(["Root/Other", "Root/Team"], names(await QueryAsync(new ListCondition("parent", TagFilter.Any(root)))));
        Assert.Equal(["Root/Other", "Root/Team", "Root/Team/Leaf"], names(await QueryAsync(new ListCondition("path", TagFilter.Any(root)))));
        Assert.Equal(["Root", "Root/Other", "Root/Team"], names(await QueryAsync(new ListCondition("parent", TagFilter.None(team)))));
        Assert.Equal(["Root"], names(await QueryAsync(new ListCondition("parent", TagFilter.Empty))));
        Assert.Equal(["Root/Team/Leaf"], names(await QueryAsync(new ListCondition("id", TagFilter.Parse(["__$all", leaf.Id])))));
        // A scalar cannot equal two different values at once.
        Assert.Empty(await QueryAsync(new ListCondition("id", TagFilter.Parse(["__$all", leaf.Id, other]))));
    }

    // ---- §4.3 filters -------------------------------------------------------------------------

    /// <summary>§4.3 with T1 tags [test] and T0 tags []: any.include, any.exclude, all.include, all.exclude → result.</summary>
    public static TheoryData<string?[], string?[], string?[], string?[], string[]> FiltersOnEmptyAndTagged => new()
    {
        { [null], [], [], [], ["T0"] },
        { ["test"], [], [], [], ["T1"] },
        { ["test", null], [], [], [], ["T0", "T1"] },
        { [], [null], [], [], ["T1"] },
        { [], ["test"], [], [], ["T0"] },
        { [], ["test", null], [], [], ["T0", "T1"] },
        { [], [], [null], [], ["T0"] },
        { [], [], ["test", null], [], [] },
        { [], [], [], [null], ["T1"] },
        { [], [], [], ["test"], ["T0"] },
        { [], [], [], ["test", null], [] },
    };

    [Theory]
    [MemberData(nameof(FiltersOnEmptyAndTagged), MemberType = typeof(ProjectStoreContract))]
    public async Task Filters_with_null_match_the_empty_field_as_the_reference_server_does(
        string?[] anyInclude, string?[] anyExclude, string?[] allInclude, string?[] allExclude, string[] expected)
    {
        var labels = await CreateLabelledAsync(("T1", ["test"]), ("T0", []));

        var found = await QueryAsync(new ArrayFilterCondition("tags",
            new ArrayFilter(anyInclude, anyExclude, allInclude, allExclude, LogicalOperator.And)));

        Assert.Equal(expected, Labels(found, labels));
    }

    /// <summary>§4.3 with E0 [], E1 [a], E2 [a,b], E3 [a,b,c], E4 [a,b,c,d].</summary>
    public static TheoryData<string?[], string?[], string?[], string?[], string[]> FiltersOnGrowingTags => new()
    {
        { ["a", "b"], [], [], [], ["E1", "E2", "E3", "E4"] },
        { [], ["c", "d"], [], [], ["E0", "E1", "E2", "E3"] },
        { [], [], ["a", "b"], [], ["E2", "E3", "E4"] },
        { [], [], [], ["c", "d"], ["E0", "E1", "E2"] },
        { [], [], ["a", "b"], ["c", "d"], ["E2"] },
        { ["a", "b"], [], [], ["c", "d"], ["E1", "E2"] },
        { [], [], [], [], ["E0", "E1", "E2", "E3", "E4"] },
    };

    [Theory]
    [MemberData(nameof(FiltersOnGrowingTags), MemberType = typeof(ProjectStoreContract))]
    public async Task Filters_any_and_all_parts_return_the_stated_projects(
        string?[] anyInclude, string?[] anyExclude, string?[] allInclude, string?[] allExclude, string[] expected)
    {
        var labels = await CreateGrowingTagsAsync();

        var found = await QueryAsync(new ArrayFilterCondition("tags",
            new ArrayFilter(anyInclude, anyExclude, allInclude, allExclude, LogicalOperator.And)));

        Assert.Equal(expected, Labels(found, labels));
    }

    [Fact]
    public async Task Filters_with_op_or_return_projects_matching_either_part()
    {
        var labels = await CreateGrowingTagsAsync();

        var found = await QueryAsync(new ArrayFilterCondition("tags", new ArrayFilter(["d"], [], [], ["a"], LogicalOperator.Or)));

        Assert.Equal(["E0", "E4"], Labels(found, labels));
    }

    [Fact]
    public async Task Filters_combine_with_other_conditions_by_AND()
    {
        var labels = await CreateGrowingTagsAsync();

        var found = await QueryAsync(
            new ArrayFilterCondition("tags", new ArrayFilter(["a"], [], [], [], LogicalOperator.And)),
            new ListCondition("tags", TagFilter.None("d")));

        Assert.Equal(["E1", "E2", "E3"], Labels(found, labels));
    }

    private Task<Dictionary<string, string>> CreateGrowingTagsAsync() =>
        CreateLabelledAsync(("E0", []), ("E1", ["a"]), ("E2", ["a", "b"]), ("E3", ["a", "b", "c"]), ("E4", ["a", "b", "c", "d"]));

    // ---- §4.4/§4.5 patterns -------------------------------------------------------------------

    [Fact]
    public async Task A_pattern_is_an_unanchored_case_sensitive_search()
    {
        await CreateAsync("Alpha Model");
        await CreateAsync("alpha model");
        await CreateAsync("Beta");

        Assert.Equal(["Alpha Model"], (await QueryAsync(new PatternCondition(["name"], "Model", false, false))).Select(p => p.Name));
        Assert.Equal(["Alpha Model", "alpha model"], (await QueryAsync(new PatternCondition(["name"], "pha", false, false))).Select(p => p.Name));
        Assert.Empty(await QueryAsync(new PatternCondition(["name"], "^beta$", false, false)));
    }

    [Fact]
    public async Task An_ignore_case_pattern_matches_any_case()
    {
        await CreateAsync("Alpha Model");
        await CreateAsync("alpha model");
        await CreateAsync("Beta");

        var found = await QueryAsync(new PatternCondition(["name"], "MODEL", IgnoreCase: true, MatchAll: false));

        Assert.Equal(["Alpha Model", "alpha model"], found.Select(p => p.Name));
    }

    [Fact]
    public async Task The_sdk_exact_name_pattern_finds_exactly_that_project()
    {
        await CreateAsync("my model");
        await CreateAsync("my model-2");
        await CreateAsync("my-model #1");
        await CreateAsync("our my model");

        var exact = await QueryAsync(new PatternCondition(["name"], PythonRegex.Translate(@"^my\ model$"), false, false));
        var punctuated = await QueryAsync(new PatternCondition(["name"], PythonRegex.Translate(@"^my\-model\ \#1$"), false, false));

        Assert.Equal(["my model"], exact.Select(p => p.Name));
        Assert.Equal(["my-model #1"], punctuated.Select(p => p.Name));
    }

    [Fact]
    public async Task A_pattern_on_a_list_field_matches_when_any_element_does()
    {
        var labels = await CreateLabelledAsync(("one", ["release-1", "x"]), ("two", ["x", "prerelease"]), ("none", []));

        var found = await QueryAsync(new PatternCondition(["tags"], "^release", false, false));

        Assert.Equal(["one"], Labels(found, labels));
    }

    [Fact]
    public async Task A_pattern_over_several_fields_is_ORed_unless_it_must_match_all()
    {
        await CreateAsync("Needle Name", description: "hay");
        await CreateAsync("Hay Name", description: "needle here");
        await CreateAsync("Needle Both", description: "needle");
        await CreateAsync("Nothing", description: "hay");

        var any = await QueryAsync(new PatternCondition(["name", "description"], "needle", IgnoreCase: true, MatchAll: false));
        var all = await QueryAsync(new PatternCondition(["name", "description"], "needle", IgnoreCase: true, MatchAll: true));

        Assert.Equal(["Hay Name", "Needle Both", "Needle Name"], any.Select(p => p.Name));
        Assert.Equal(["Needle Both"], all.Select(p => p.Name));
    }

    // ---- §4.6 ranges and comparisons ----------------------------------------------------------

    /// <summary>P0, P1 and P2 created (and last updated) a day apart, at Now, Now+1d, Now+2d.</summary>
    private async Task<DateTimeOffset[]> CreateDatedAsync()
    {
        var times = new[] { Now, Now.AddDays(1), Now.AddDays(2) };
        for (var i = 0; i < times.Length; i++)
        {
            await CreateAsync($"Dated P{i}", now: times[i]);
        }
        return times;
    }

    private static string[] Suffixes(IEnumerable<Project> found) => [.. found.Select(p => p.Name["Dated ".Length..])];

    [Fact]
    public async Task A_range_is_inclusive_at_both_ends()
    {
        var t = await CreateDatedAsync();

        Assert.Equal(["P1", "P2"], Suffixes(await QueryAsync(new RangeCondition("last_update", t[1], t[2]))));
        Assert.Equal(["P1"], Suffixes(await QueryAsync(new RangeCondition("created", t[1], t[1]))));
        Assert.Empty(await QueryAsync(new RangeCondition("created", t[0].AddSeconds(1), t[1].AddSeconds(-1))));
    }

    [Fact]
    public async Task A_range_with_an_open_end_is_bounded_on_the_other_side_only()
    {
        var t = await CreateDatedAsync();

        Assert.Equal(["P0", "P1"], Suffixes(await QueryAsync(new RangeCondition("last_update", null, t[1]))));
        Assert.Equal(["P1", "P2"], Suffixes(await QueryAsync(new RangeCondition("last_update", t[1], null))));
    }

    [Fact]
    public async Task A_range_open_at_both_ends_matches_every_project()
    {
        await CreateDatedAsync();

        // GetAllRequest builds this from {"_any_": {"fields": ["created"], "datetime": ["soon", "later"]}}:
        // two plain (operator-less) values are a range, and unparsable dates become open ends.
        Assert.Equal(["P0", "P1", "P2"], Suffixes(await QueryAsync(new RangeCondition("last_update", null, null))));
    }

    [Theory]
    [InlineData(ComparisonOperator.Equal, new[] { "P1" })]
    [InlineData(ComparisonOperator.Greater, new[] { "P2" })]
    [InlineData(ComparisonOperator.GreaterOrEqual, new[] { "P1", "P2" })]
    [InlineData(ComparisonOperator.Less, new[] { "P0" })]
    [InlineData(ComparisonOperator.LessOrEqual, new[] { "P0", "P1" })]
    public async Task A_datetime_comparison_uses_the_stated_operator(ComparisonOperator op, string[] expected)
    {
        var t = await CreateDatedAsync();

        Assert.Equal(expected, Suffixes(await QueryAsync(new ComparisonCondition("created", op, t[1]))));
        Assert.Equal(expected, Suffixes(await QueryAsync(new ComparisonCondition("last_update", op, t[1]))));
    }

    [Fact]
    public async Task An_update_moves_last_update_but_not_created()
    {
        var t = await CreateDatedAsync();
        var p0 = (await QueryAsync(new ComparisonCondition("created", ComparisonOperator.Equal, t[0])))[0];

        await Store.Projects.UpdateAsync(Company, p0.Id, new ProjectChanges(Description: "touched"), t[2].AddDays(1));

        Assert.Equal(["P0"], Suffixes(await QueryAsync(new ComparisonCondition("last_update", ComparisonOperator.Greater, t[2]))));
        Assert.Equal(["P0"], Suffixes(await QueryAsync(new ComparisonCondition("created", ComparisonOperator.Less, t[1]))));
    }

    [Fact]
    public async Task Any_and_all_conditions_combine_their_parts()
    {
        var t = await CreateDatedAsync();

        var either = await QueryAsync(new AnyCondition([
            new ComparisonCondition("created", ComparisonOperator.Less, t[1]),
            new ComparisonCondition("created", ComparisonOperator.Greater, t[1])]));
        var both = await QueryAsync(new AllCondition([
            new ComparisonCondition("created", ComparisonOperator.GreaterOrEqual, t[1]),
            new ComparisonCondition("last_update", ComparisonOperator.LessOrEqual, t[1])]));

        Assert.Equal(["P0", "P2"], Suffixes(either));
        Assert.Equal(["P1"], Suffixes(both));
    }

    // ---- §4.7/§4.8 ordering and paging --------------------------------------------------------

    [Fact]
    public async Task Ascending_order_is_binary_so_upper_case_sorts_first()
    {
        await CreateAsync("alpha");
        await CreateAsync("Gamma");
        await CreateAsync("Beta");

        var found = await OrderedAsync([new SortKey("name", false)]);

        Assert.Equal(["Beta", "Gamma", "alpha"], found.Select(p => p.Name));
    }

    /// <summary>Four projects whose descriptions are "bbb", "", none and "aaa".</summary>
    private async Task<Dictionary<string, string>> CreateDescribedAsync()
    {
        var labels = new Dictionary<string, string>();
        foreach (var (label, description) in new (string Label, string? Description)[] { ("bbb", "bbb"), ("blank", ""), ("none", null), ("aaa", "aaa") })
        {
            labels[await CreateAsync($"Described {label}", description: description)] = label;
        }
        return labels;
    }

    [Fact]
    public async Task Ascending_order_puts_empty_values_last_with_missing_before_blank()
    {
        var labels = await CreateDescribedAsync();

        var found = await OrderedAsync([new SortKey("description", false)]);

        // The empties are sorted by the same key among themselves, and null is lower than any string.
        Assert.Equal(["aaa", "bbb", "none", "blank"], found.Select(p => labels[p.Id]));
    }

    [Fact]
    public async Task Descending_order_puts_missing_values_last()
    {
        var labels = await CreateDescribedAsync();

        var found = await OrderedAsync([new SortKey("description", true)]);

        Assert.Equal(["bbb", "aaa", "blank", "none"], found.Select(p => labels[p.Id]));
    }

    [Fact]
    public async Task Ties_are_broken_by_ascending_id_whatever_the_direction()
    {
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await CreateAsync($"Tied {i}", description: "same"));
        }
        var created = ids.ToList();
        ids.Sort(StringComparer.Ordinal);

        var ascending = await OrderedAsync([new SortKey("description", false)]);
        var descending = await OrderedAsync([new SortKey("description", true)]);
        var unordered = await OrderedAsync([]);

        Assert.Equal(ids, ascending.Select(p => p.Id));
        Assert.Equal(ids, descending.Select(p => p.Id));
        // Without an order, rows come back in insertion order (ClearML's natural order, api.md §4.7).
        Assert.Equal(created, unordered.Select(p => p.Id));
    }

    [Fact]
    public async Task Descending_id_orders_by_id_without_a_second_tie_breaker()
    {
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await CreateAsync($"Listed {i}"));
        }

        var found = await OrderedAsync([new SortKey("id", true)]);

        Assert.Equal(ids.OrderDescending(StringComparer.Ordinal), found.Select(p => p.Id));
    }

    [Fact]
    public async Task A_second_key_orders_rows_that_tie_on_the_first()
    {
        await CreateAsync("Second b", description: "x");
        await CreateAsync("Second a", description: "x");
        await CreateAsync("Second c", description: "w");

        var found = await OrderedAsync([new SortKey("description", false), new SortKey("name", true)]);

        Assert.Equal(["Second c", "Second b", "Second a"], found.Select(p => p.Name));
    }

    [Fact]
    public async Task Skip_and_take_return_a_window_of_the_ordered_rows()
    {
        for (var i = 0; i < 5; i++)
        {
            await CreateAsync($"Page {i}");
        }
        var order = new[] { new SortKey("name", false) };

        Assert.Equal(["Page 1", "Page 2"], (await OrderedAsync(order, skip: 1, take: 2)).Select(p => p.Name));
        Assert.Equal(["Page 4"], (await OrderedAsync(order, skip: 4, take: 2)).Select(p => p.Name));
        Assert.Empty(await OrderedAsync(order, skip: 5, take: 2));
        Assert.Equal(5, (await OrderedAsync(order, skip: 0, take: EntityQuery.MaxPageSize)).Count);
    }

    [Fact]
    public async Task Paging_runs_across_the_non_empty_and_the_empty_values()
    {
        var labels = await CreateDescribedAsync();
        var order = new[] { new SortKey("description", false) };

        var window = await OrderedAsync(order, skip: 1, take: 2);

        Assert.Equal(["bbb", "none"], window.Select(p => labels[p.Id]));
    }

    // ---- scope --------------------------------------------------------------------------------

    [Fact]
    public async Task A_query_sees_own_and_public_projects_but_not_another_companys()
    {
        await CreateAsync("Mine");
        await CreateAsync("Public", company: PublicCompany);
        await CreateAsync("Theirs", company: OtherCompany);

        Assert.Equal(["Mine", "Public"], await AllNamesAsync());
        Assert.Equal(["Theirs"], (await Store.Projects.QueryAsync(OtherCompany, new EntityQuery(
            [new ListCondition("company", TagFilter.Any(OtherCompany))], [], 0, EntityQuery.MaxPageSize))).Select(p => p.Name));
    }

    [Fact]
    public async Task Conditions_of_a_query_are_ANDed()
    {
        var labels = await CreateLabelledAsync(("ab", ["a", "b"]), ("a", ["a"]), ("b", ["b"]));

        var found = await QueryAsync(
            new ListCondition("tags", TagFilter.Any("a")),
            new PatternCondition(["name"], "b$", false, false));

        Assert.Equal(["ab"], Labels(found, labels));
        Assert.True(EntityId.IsWellFormed(found[0].Id));
    }
}
