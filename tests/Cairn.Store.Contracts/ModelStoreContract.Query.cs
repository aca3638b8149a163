using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cairn.Core.Models;
using Cairn.Core.Projects;
using Cairn.Core.Querying;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary>
/// <c>IModelStore.QueryAsync</c> and <c>GetFrameworksAsync</c> against real rows: api.md §4.2–§4.7,
/// the regex fast paths, numeric-aware ordering, and the tag and metadata index tables.
/// </summary>
public abstract partial class ModelStoreContract
{
    /// <summary>Inserts one model per label (in this order); returns id → label.</summary>
    private async Task<Dictionary<string, string>> InsertLabelledAsync(params (string Label, Func<Model, Model> With)[] models)
    {
        var labels = new Dictionary<string, string>();
        foreach (var (label, with) in models)
        {
            labels[await InsertAsync(with(NewModel(name: $"model {label}")))] = label;
        }
        return labels;
    }

    private Task<Dictionary<string, string>> InsertTaggedAsync(bool systemTags, params (string Label, string[] Tags)[] models) =>
        InsertLabelledAsync([.. models.Select(m => (m.Label, (Func<Model, Model>)(model => systemTags ? model with { SystemTags = m.Tags } : model with { Tags = m.Tags })))]);

    private static string[] Labels(IEnumerable<Model> found, Dictionary<string, string> labels) =>
        [.. found.Where(m => labels.ContainsKey(m.Id)).Select(m => labels[m.Id]).Order(StringComparer.Ordinal)];

    private static string[] InOrder(IEnumerable<Model> found, Dictionary<string, string> labels) =>
        [.. found.Select(m => labels.TryGetValue(m.Id, out var label) ? label : m.Id)];

    private async Task<IReadOnlyList<Model>> QueryAsync(params QueryCondition[] conditions) =>
        (await Store.Models.QueryAsync(Company, new EntityQuery(conditions, [], 0, EntityQuery.MaxPageSize))).Rows;

    private async Task<IReadOnlyList<Model>> OrderedAsync(IReadOnlyList<SortKey> order, int skip = 0, int take = EntityQuery.MaxPageSize, params QueryCondition[] conditions) =>
        (await Store.Models.QueryAsync(Company, new EntityQuery(conditions, order, skip, take))).Rows;

    private static string MetadataField(string key, string part = "value") => $"metadata.{MetadataKey.Escape(key)}.{part}";

    private static JsonObject Metric(double value) => new()
    {
        [LossHash] = new JsonObject { [TotalHash] = new JsonObject { ["metric"] = "loss", ["variant"] = "total", ["value"] = value } },
    };

    private const string MetricField = "last_metrics." + LossHash + "." + TotalHash + ".value";

    // ---- cursors ------------------------------------------------------------------------------

    [Fact]
    public async Task A_natural_order_page_continues_after_its_cursor_even_when_earlier_rows_are_deleted()
    {
        var labels = await InsertLabelledAsync([.. "abcde".Select(c => (c.ToString(), (Func<Model, Model>)(m => m)))]);
        var first = await Store.Models.QueryAsync(Company, new EntityQuery([], [], 0, 2));
        Assert.Equal(["a", "b"], InOrder(first.Rows, labels));
        Assert.NotNull(first.Cursor);

        // A row already passed disappears: an offset would now skip "c", the cursor does not.
        Assert.Equal(ModelDeleteOutcome.Deleted, (await Store.Models.DeleteAsync(Company, first.Rows[0].Id, force: false, Now)).Outcome);
        var second = await Store.Models.QueryAsync(Company, new EntityQuery([], [], 0, 2, first.Cursor));
        Assert.Equal(["c", "d"], InOrder(second.Rows, labels));
        var third = await Store.Models.QueryAsync(Company, new EntityQuery([], [], 0, 2, second.Cursor));
        Assert.Equal(["e"], InOrder(third.Rows, labels));
        var done = await Store.Models.QueryAsync(Company, new EntityQuery([], [], 0, 2, third.Cursor));
        Assert.Empty(done.Rows);
        Assert.Equal(third.Cursor, done.Cursor);
    }

    [Fact]
    public async Task A_query_for_some_fields_reads_those_fields_in_full()
    {
        var id = await InsertAsync(NewModel(name: "projected model") with
        {
            Tags = ["b", "a"],
            Metadata = new Dictionary<string, MetadataItem> { ["k.1"] = new("k.1", "int", "7") },
            Comment = "kept",
        });
        var page = await Store.Models.QueryAsync(Company, new EntityQuery([], [], 0, 10), new HashSet<string> { "tags", "metadata" });
        var model = Assert.Single(page.Rows, m => m.Id == id);
        Assert.Equal(["a", "b"], model.Tags);
        Assert.Equal("7", model.Metadata["k.1"].Value);
        Assert.Equal("projected model", model.Name);
    }

    [Fact]
    public async Task An_ordered_page_has_no_cursor()
    {
        await InsertLabelledAsync(("a", m => m), ("b", m => m));
        var page = await Store.Models.QueryAsync(Company, new EntityQuery([], [new SortKey("name", false)], 0, 1));
        Assert.Single(page.Rows);
        Assert.Null(page.Cursor);
    }

    // ---- scoping ------------------------------------------------------------------------------

    [Fact]
    public async Task Queries_see_own_and_public_models_but_not_another_companys()
    {
        var own = await InsertAsync();
        var shared = await InsertAsync(PublicCompany);
        await InsertAsync(OtherCompany);

        var found = await QueryAsync();

        Assert.Equal(new[] { own, shared }.Order(StringComparer.Ordinal), found.Select(m => m.Id).Order(StringComparer.Ordinal));
    }

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

    private Task<Dictionary<string, string>> InsertWorkedExampleAsync(bool systemTags) =>
        InsertTaggedAsync(systemTags, ("M1", ["a", "b"]), ("M2", ["a"]), ("M3", ["b", "c"]), ("M4", []), ("M5", ["c"]));

    [Theory]
    [MemberData(nameof(TagWorkedExamples), MemberType = typeof(ModelStoreContract))]
    public async Task Every_worked_example_of_the_tag_operators_returns_the_stated_models(string?[] value, string[] expected)
    {
        var labels = await InsertWorkedExampleAsync(systemTags: false);

        var found = await QueryAsync(new ListCondition("tags", TagFilter.Parse(value)));

        Assert.Equal(expected, Labels(found, labels));
    }

    [Theory]
    [MemberData(nameof(TagWorkedExamples), MemberType = typeof(ModelStoreContract))]
    public async Task Every_worked_example_holds_for_system_tags_too(string?[] value, string[] expected)
    {
        var labels = await InsertWorkedExampleAsync(systemTags: true);

        var found = await QueryAsync(new ListCondition("system_tags", TagFilter.Parse(value)));

        Assert.Equal(expected, Labels(found, labels));
    }

    [Fact]
    public async Task Excluding_a_tag_matches_models_that_have_no_tags_at_all()
    {
        var labels = await InsertLabelledAsync(("bare", m => m), ("tagged", m => m with { Tags = ["x"] }), ("other", m => m with { Tags = ["y"] }));

        Assert.Equal(["bare", "other"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.None("x"))), labels));
        Assert.Equal(["bare", "other", "tagged"], Labels(await QueryAsync(new ListCondition("system_tags", TagFilter.None(Model.ArchivedTag))), labels));
    }

    [Fact]
    public async Task The_sdks_exclude_archived_filter_hides_archived_models()
    {
        var labels = await InsertLabelledAsync(("live", m => m), ("archived", m => m with { SystemTags = [Model.ArchivedTag] }));

        var found = await QueryAsync(new ListCondition("system_tags", TagFilter.Parse(["-archived"])));

        Assert.Equal(["live"], Labels(found, labels));
    }

    [Fact]
    public async Task Tag_matching_is_exact_and_case_sensitive()
    {
        var labels = await InsertTaggedAsync(false, ("upper", ["Tag"]), ("lower", ["tag"]), ("longer", ["tag2"]));

        Assert.Equal(["lower"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.Any("tag"))), labels));
        Assert.Equal(["longer", "upper"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.None("tag"))), labels));
    }

    [Fact]
    public async Task Tags_and_system_tags_are_separate_fields()
    {
        var labels = await InsertLabelledAsync(("as-tag", m => m with { Tags = ["x"] }), ("as-system-tag", m => m with { SystemTags = ["x"] }));

        Assert.Equal(["as-tag"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.Any("x"))), labels));
        Assert.Equal(["as-system-tag"], Labels(await QueryAsync(new ListCondition("system_tags", TagFilter.Any("x"))), labels));
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
        { [null], [], [], [], ["E0"] },
        { [], [null], [], [], ["E1", "E2", "E3", "E4"] },
    };

    [Theory]
    [MemberData(nameof(FiltersOnGrowingTags), MemberType = typeof(ModelStoreContract))]
    public async Task Filters_any_and_all_parts_return_the_stated_models(
        string?[] anyInclude, string?[] anyExclude, string?[] allInclude, string?[] allExclude, string[] expected)
    {
        var labels = await InsertTaggedAsync(false, ("E0", []), ("E1", ["a"]), ("E2", ["a", "b"]), ("E3", ["a", "b", "c"]), ("E4", ["a", "b", "c", "d"]));

        var found = await QueryAsync(new ArrayFilterCondition("tags", new ArrayFilter(anyInclude, anyExclude, allInclude, allExclude, LogicalOperator.And)));

        Assert.Equal(expected, Labels(found, labels));
    }

    [Fact]
    public async Task Scalar_list_fields_compare_the_whole_value()
    {
        const string project = "0000000000000000000000000000000a";
        var labels = await InsertLabelledAsync(
            ("torch", m => m with { Framework = "PyTorch", Project = project, Uri = "s3://b/torch.pt" }),
            ("torch-lite", m => m with { Framework = "PyTorch Lite", Uri = "s3://b/torch.pt.bak" }),
            ("none", m => m));

        Assert.Equal(["torch"], Labels(await QueryAsync(new ListCondition("framework", TagFilter.Any("PyTorch"))), labels));
        Assert.Equal(["none", "torch-lite"], Labels(await QueryAsync(new ListCondition("framework", TagFilter.None("PyTorch"))), labels));
        Assert.Equal(["none"], Labels(await QueryAsync(new ListCondition("framework", TagFilter.Empty)), labels));
        Assert.Equal(["torch"], Labels(await QueryAsync(new ListCondition("uri", TagFilter.Any("s3://b/torch.pt"))), labels));
        Assert.Equal(["torch"], Labels(await QueryAsync(new ListCondition("project", TagFilter.Any(project))), labels));
        Assert.Equal(["none", "torch-lite"], Labels(await QueryAsync(new ListCondition("project", TagFilter.Empty)), labels));
        Assert.Equal(["torch"], Labels(await QueryAsync(new ListCondition("framework", TagFilter.Parse(["__$all", "PyTorch"]))), labels));
        // A scalar cannot equal two different values at once.
        Assert.Empty(await QueryAsync(new ListCondition("framework", TagFilter.Parse(["__$all", "PyTorch", "PyTorch Lite"]))));
    }

    // ---- metadata list conditions ------------------------------------------------------------

    private Task<Dictionary<string, string>> InsertEpochsAsync() => InsertLabelledAsync(
        ("ten", m => m with { Metadata = Metadata(("epochs", "int", "10"), ("lr.base", "float", "0.1")) }),
        ("twenty", m => m with { Metadata = Metadata(("epochs", "int", "20"), ("lr.base", "float", "0.2")) }),
        ("thirty", m => m with { Metadata = Metadata(("epochs", "str", "30")) }),
        ("other-key", m => m with { Metadata = Metadata(("steps", "int", "10")) }),
        ("none", m => m));

    public static TheoryData<string?[], string[]> EpochConditions => new()
    {
        { ["10"], ["ten"] },
        { ["10", "20"], ["ten", "twenty"] },
        { ["-10"], ["none", "other-key", "thirty", "twenty"] },
        { ["__$not", "10", "__$not", "20"], ["none", "other-key", "thirty"] },
        { ["__$all", "10"], ["ten"] },
        { ["__$all", "10", "20"], [] },
        { [null], ["none", "other-key"] },
        { ["30", null], ["none", "other-key", "thirty"] },
        { ["1"], [] },
        { ["010"], [] },
    };

    [Theory]
    [MemberData(nameof(EpochConditions), MemberType = typeof(ModelStoreContract))]
    public async Task A_metadata_value_is_a_list_field_with_exact_matching(string?[] value, string[] expected)
    {
        var labels = await InsertEpochsAsync();

        var found = await QueryAsync(new ListCondition(MetadataField("epochs"), TagFilter.Parse(value)));

        Assert.Equal(expected, Labels(found, labels));
    }

    [Fact]
    public async Task A_metadata_key_with_a_dot_is_queried_by_its_escaped_path()
    {
        var labels = await InsertEpochsAsync();

        Assert.Equal("metadata.lr%2Ebase.value", MetadataField("lr.base"));
        Assert.Equal(["twenty"], Labels(await QueryAsync(new ListCondition("metadata.lr%2Ebase.value", TagFilter.Any("0.2"))), labels));
        Assert.Empty(await QueryAsync(new ListCondition("metadata.lr.value", TagFilter.Any("0.2"))));
    }

    [Fact]
    public async Task Keys_that_need_escaping_are_each_addressed_exactly()
    {
        var labels = await InsertLabelledAsync(
            ("private", m => m with { Metadata = Metadata(("_private", "str", "v")) }),
            ("dunder", m => m with { Metadata = Metadata(("a__b", "str", "v")) }),
            ("dollar", m => m with { Metadata = Metadata(("cost$", "str", "v")) }),
            ("percent", m => m with { Metadata = Metadata(("50%", "str", "v")) }),
            ("look-alike", m => m with { Metadata = Metadata(("%24", "str", "v")) }));

        foreach (var (key, label) in new[] { ("_private", "private"), ("a__b", "dunder"), ("cost$", "dollar"), ("50%", "percent"), ("%24", "look-alike") })
        {
            Assert.Equal([label], Labels(await QueryAsync(new ListCondition(MetadataField(key), TagFilter.Any("v"))), labels));
        }
    }

    [Fact]
    public async Task The_metadata_type_is_a_list_field_too()
    {
        var labels = await InsertEpochsAsync();

        var found = await QueryAsync(new ListCondition(MetadataField("epochs", "type"), TagFilter.Any("int")));

        Assert.Equal(["ten", "twenty"], Labels(found, labels));
    }

    [Fact]
    public async Task Metadata_conditions_on_two_keys_must_both_hold()
    {
        var labels = await InsertEpochsAsync();

        var found = await QueryAsync(
            new ListCondition(MetadataField("epochs"), TagFilter.Any("10", "20", "30")),
            new ListCondition(MetadataField("lr.base"), TagFilter.None("0.1")));

        Assert.Equal(["thirty", "twenty"], Labels(found, labels));
    }

    // ---- patterns and their fast paths --------------------------------------------------------

    private static readonly string[] PatternNames =
    [
        "my model", "my model\n", "my model 2", "a my model", "My Model", "MY MODEL", "my  model", "my\nmodel", "mymodel",
        "my", "mz", "my-model_v2 #1", "abc", "ac", "abbbc", "aXc", "a.c", "model 🚀 rocket", "émigré model", "straße",
        "temp 5\u212A", "TEMP 5K", "C:\\path", "a|b",
    ];

    /// <summary>Patterns (.NET syntax, as the service hands them over) covering each fast path and the plain regex.</summary>
    public static TheoryData<string> NamePatterns => new()
    {
        // Exact: "^text$" (what the SDK sends) and "^text\z".
        @"^my\ model$", "^my model$", @"^my\-model_v2\ \#1$", @"^my model\z", "^abc$", "^a.c$", @"^a\.c$",
        // Anchored prefix.
        "^my", @"^my\ m", "^My", "^m", "^model 🚀", "^émigré", @"^C:\\", "^ab*c",
        // Plain substring.
        "model", "Model", "y m", "🚀", "é", "ß", @"a\|b", @"\.",
        // A literal with more regex after it.
        "model$", "del 2", "ab+c", "my.model", @"model\b", "M(?i)odel",
        // No literal at all.
        "^$", "a|b", "^[a-z]+$", @"\d", ".", "(?i)my model",
    };

    [Theory]
    [MemberData(nameof(NamePatterns), MemberType = typeof(ModelStoreContract))]
    public async Task A_case_sensitive_name_pattern_finds_what_the_regex_matches(string pattern)
    {
        var labels = await InsertNamesAsync();
        var expected = labels.Values.Where(name => Regex.IsMatch(name, pattern)).Order(StringComparer.Ordinal).ToArray();

        var found = await QueryAsync(new PatternCondition(["name"], pattern, IgnoreCase: false, MatchAll: false));

        Assert.Equal(expected, Labels(found, labels));
    }

    public static TheoryData<string> CaseInsensitivePatterns => new()
    {
        "model", "MODEL", "My Model", "y m", "5k", "5K", "é", "É", "ss", "^my", "^my model$", "a.c", "🚀", "STRASSE", "straSSe", "STRAßE",
    };

    [Theory]
    [MemberData(nameof(CaseInsensitivePatterns), MemberType = typeof(ModelStoreContract))]
    public async Task A_case_insensitive_name_pattern_finds_what_the_regex_matches_ignoring_case(string pattern)
    {
        var labels = await InsertNamesAsync();
        var expected = labels.Values.Where(name => Regex.IsMatch(name, "(?i)" + pattern)).Order(StringComparer.Ordinal).ToArray();

        var found = await QueryAsync(new PatternCondition(["name"], pattern, IgnoreCase: true, MatchAll: false));

        Assert.Equal(expected, Labels(found, labels));
    }

    /// <summary>Names label themselves, so a failure shows which names differ.</summary>
    private async Task<Dictionary<string, string>> InsertNamesAsync()
    {
        var labels = new Dictionary<string, string>();
        foreach (var name in PatternNames)
        {
            labels[await InsertAsync(NewModel(name: name))] = name;
        }
        return labels;
    }

    [Fact]
    public async Task An_exact_name_pattern_also_matches_the_name_followed_by_one_newline_as_the_regex_does()
    {
        var labels = await InsertLabelledAsync(("plain", m => m with { Name = "exact" }), ("newline", m => m with { Name = "exact\n" }), ("two", m => m with { Name = "exact\n\n" }));

        Assert.Equal(["newline", "plain"], Labels(await QueryAsync(new PatternCondition(["name"], "^exact$", false, false)), labels));
        Assert.Equal(["plain"], Labels(await QueryAsync(new PatternCondition(["name"], @"^exact\z", false, false)), labels));
    }

    [Fact]
    public async Task A_prefix_pattern_finds_names_that_continue_with_the_highest_code_point()
    {
        var labels = await InsertLabelledAsync(("max", m => m with { Name = "pre\U0010FFFF" }), ("max-more", m => m with { Name = "pre\U0010FFFFx" }), ("other", m => m with { Name = "prf" }));

        var found = await QueryAsync(new PatternCondition(["name"], "^pre", false, false));

        Assert.Equal(["max", "max-more"], Labels(found, labels));
    }

    [Fact]
    public async Task A_pattern_on_a_field_some_models_lack_skips_those_models()
    {
        var labels = await InsertLabelledAsync(("commented", m => m with { Comment = "best run" }), ("empty", m => m with { Comment = "" }), ("none", m => m));

        Assert.Equal(["commented"], Labels(await QueryAsync(new PatternCondition(["comment"], "^best run$", false, false)), labels));
        Assert.Equal(["commented"], Labels(await QueryAsync(new PatternCondition(["comment"], "run", false, false)), labels));
        Assert.Equal(["commented"], Labels(await QueryAsync(new PatternCondition(["comment"], "^b", false, false)), labels));
        Assert.Equal(["commented"], Labels(await QueryAsync(new PatternCondition(["comment"], "RUN", true, false)), labels));
        Assert.Equal(["commented", "empty"], Labels(await QueryAsync(new PatternCondition(["comment"], "^", false, false)), labels));
    }

    [Fact]
    public async Task A_pattern_over_several_fields_matches_any_of_them_or_all_of_them()
    {
        var labels = await InsertLabelledAsync(
            ("name", m => m with { Name = "resnet baseline" }),
            ("comment", m => m with { Name = "other model", Comment = "a resnet variant" }),
            ("both", m => m with { Name = "resnet v2", Comment = "resnet again" }),
            ("tag", m => m with { Name = "tagged model", Tags = ["resnet"] }));

        Assert.Equal(["both", "comment", "name"], Labels(await QueryAsync(new PatternCondition(["name", "comment"], "resnet", false, false)), labels));
        Assert.Equal(["both"], Labels(await QueryAsync(new PatternCondition(["name", "comment"], "resnet", false, MatchAll: true)), labels));
        Assert.Equal(["both", "comment", "name", "tag"], Labels(await QueryAsync(new PatternCondition(["name", "comment", "tags"], "RESNET", true, false)), labels));
    }

    // ---- ordering -----------------------------------------------------------------------------

    [Fact]
    public async Task Without_an_order_models_come_in_insertion_order()
    {
        var labels = await InsertLabelledAsync(
            ("first", m => m with { Id = "c0000000000000000000000000000000" }),
            ("second", m => m with { Id = "a0000000000000000000000000000000" }),
            ("third", m => m with { Id = "b0000000000000000000000000000000" }));

        Assert.Equal(["first", "second", "third"], InOrder(await QueryAsync(), labels));
    }

    private Task<Dictionary<string, string>> InsertEpochValuesAsync() => InsertLabelledAsync(
        ("nine", m => m with { Id = "00000000000000000000000000000001", Metadata = Metadata(("epochs", "int", "9")) }),
        ("missing", m => m with { Id = "00000000000000000000000000000002" }),
        ("hundred", m => m with { Id = "00000000000000000000000000000003", Metadata = Metadata(("epochs", "int", "100")) }),
        ("ten-b", m => m with { Id = "00000000000000000000000000000005", Metadata = Metadata(("epochs", "int", "10")) }),
        ("two", m => m with { Id = "00000000000000000000000000000006", Metadata = Metadata(("epochs", "int", "2")) }),
        ("ten-a", m => m with { Id = "00000000000000000000000000000004", Metadata = Metadata(("epochs", "int", "10")) }),
        ("other-key", m => m with { Id = "00000000000000000000000000000007", Metadata = Metadata(("steps", "int", "1")) }));

    [Fact]
    public async Task Ordering_by_a_metadata_value_is_numeric_aware_with_missing_values_last()
    {
        var labels = await InsertEpochValuesAsync();

        var found = await OrderedAsync([new SortKey(MetadataField("epochs"), Descending: false)]);

        // Equal values fall back to the id.
        Assert.Equal(["two", "nine", "ten-a", "ten-b", "hundred", "missing", "other-key"], InOrder(found, labels));
    }

    [Fact]
    public async Task Ordering_by_a_metadata_value_descending_puts_missing_values_last()
    {
        var labels = await InsertEpochValuesAsync();

        var found = await OrderedAsync([new SortKey(MetadataField("epochs"), Descending: true)]);

        Assert.Equal(["hundred", "ten-a", "ten-b", "nine", "two", "missing", "other-key"], InOrder(found, labels));
    }

    [Fact]
    public async Task Ordering_by_metadata_text_ignores_case_first_then_puts_lower_case_first()
    {
        var labels = await InsertLabelledAsync(
            ("B", m => m with { Metadata = Metadata(("arch", "str", "B")) }),
            ("a10", m => m with { Metadata = Metadata(("arch", "str", "a10")) }),
            ("A", m => m with { Metadata = Metadata(("arch", "str", "A")) }),
            ("b", m => m with { Metadata = Metadata(("arch", "str", "b")) }),
            ("a2", m => m with { Metadata = Metadata(("arch", "str", "a2")) }),
            ("a", m => m with { Metadata = Metadata(("arch", "str", "a")) }));

        var found = await OrderedAsync([new SortKey(MetadataField("arch"), Descending: false)]);

        Assert.Equal(["a", "A", "a2", "a10", "b", "B"], InOrder(found, labels));
    }

    [Fact]
    public async Task Ordering_by_a_plain_field_is_binary_so_upper_case_sorts_first()
    {
        var labels = await InsertLabelledAsync(("a", m => m with { Name = "alpha" }), ("B", m => m with { Name = "Beta" }), ("c10", m => m with { Name = "c10" }), ("c9", m => m with { Name = "c9" }));

        var found = await OrderedAsync([new SortKey("name", Descending: false)]);

        Assert.Equal(["B", "a", "c10", "c9"], InOrder(found, labels));
    }

    private Task<Dictionary<string, string>> InsertMetricsAsync() => InsertLabelledAsync(
        ("nine", m => m with { LastMetrics = Metric(9) }),
        ("missing", m => m),
        ("hundred", m => m with { LastMetrics = Metric(100) }),
        ("ten", m => m with { LastMetrics = Metric(10) }),
        ("two-and-a-half", m => m with { LastMetrics = Metric(2.5) }),
        ("negative", m => m with { LastMetrics = Metric(-3) }));

    [Fact]
    public async Task Ordering_by_a_last_metrics_path_orders_by_number_with_missing_values_last()
    {
        var labels = await InsertMetricsAsync();

        var ascending = await OrderedAsync([new SortKey(MetricField, Descending: false)]);
        var descending = await OrderedAsync([new SortKey(MetricField, Descending: true)]);

        Assert.Equal(["negative", "two-and-a-half", "nine", "ten", "hundred", "missing"], InOrder(ascending, labels));
        Assert.Equal(["hundred", "ten", "nine", "two-and-a-half", "negative", "missing"], InOrder(descending, labels));
    }

    [Fact]
    public async Task A_range_on_a_last_metrics_path_is_inclusive_and_an_open_minimum_also_matches_missing_values()
    {
        var labels = await InsertMetricsAsync();

        Assert.Equal(["hundred", "nine", "ten"], Labels(await QueryAsync(new RangeCondition(MetricField, 9.0, null)), labels));
        Assert.Equal(["nine", "ten"], Labels(await QueryAsync(new RangeCondition(MetricField, 9.0, 10.0)), labels));
        Assert.Equal(["missing", "negative", "nine", "two-and-a-half"], Labels(await QueryAsync(new RangeCondition(MetricField, null, 9.0)), labels));
    }

    [Fact]
    public async Task Paging_skips_and_takes_in_the_requested_order()
    {
        var labels = await InsertEpochValuesAsync();
        SortKey[] order = [new SortKey(MetadataField("epochs"), Descending: false)];

        var first = await OrderedAsync(order, skip: 0, take: 3);
        var second = await OrderedAsync(order, skip: 3, take: 3);
        var last = await OrderedAsync(order, skip: 6, take: 3);

        Assert.Equal(["two", "nine", "ten-a"], InOrder(first, labels));
        Assert.Equal(["ten-b", "hundred", "missing"], InOrder(second, labels));
        Assert.Equal(["other-key"], InOrder(last, labels));
    }

    // ---- other condition kinds ----------------------------------------------------------------

    [Fact]
    public async Task Ready_iteration_and_time_conditions_compare_their_fields()
    {
        var labels = await InsertLabelledAsync(
            ("draft", m => m with { Ready = false, LastIteration = 5, LastUpdate = Now.AddDays(-2) }),
            ("published", m => m with { Ready = true, LastIteration = 50, LastUpdate = Now }));

        Assert.Equal(["published"], Labels(await QueryAsync(new ComparisonCondition("ready", ComparisonOperator.Equal, true)), labels));
        Assert.Equal(["draft"], Labels(await QueryAsync(new ComparisonCondition("ready", ComparisonOperator.Equal, false)), labels));
        Assert.Equal(["published"], Labels(await QueryAsync(new RangeCondition("last_iteration", 10L, null)), labels));
        Assert.Equal(["draft"], Labels(await QueryAsync(new ComparisonCondition("last_update", ComparisonOperator.Less, Now.AddDays(-1))), labels));
        Assert.Equal(["published"], Labels(await QueryAsync(new ComparisonCondition("last_update", ComparisonOperator.GreaterOrEqual, Now)), labels));
    }

    // ---- index tables stay in step with the documents ----------------------------------------

    [Fact]
    public async Task Tag_queries_follow_tag_changes_made_through_update()
    {
        var labels = await InsertLabelledAsync(("m", m => m with { Tags = ["old"], SystemTags = ["sys-old"] }));
        var id = labels.Keys.Single();

        await Store.Models.UpdateAsync(Company, id, new ModelChanges { Tags = ["new"], SystemTags = ["sys-new"] }, Later, Editor);

        Assert.Empty(await QueryAsync(new ListCondition("tags", TagFilter.Any("old"))));
        Assert.Equal(["m"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.Any("new"))), labels));
        Assert.Equal(["m"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.None("old"))), labels));
        Assert.Empty(await QueryAsync(new ListCondition("system_tags", TagFilter.Any("sys-old"))));
        Assert.Equal(["m"], Labels(await QueryAsync(new ListCondition("system_tags", TagFilter.Any("sys-new"))), labels));
    }

    [Fact]
    public async Task Tag_queries_follow_update_tags()
    {
        var labels = await InsertLabelledAsync(("m", m => m with { Tags = ["old"] }), ("n", m => m));
        var id = labels.Single(kv => kv.Value == "m").Key;

        await Store.Models.UpdateTagsAsync(Company, [id], ["new"], ["old"], systemTags: false, Later, Editor);
        await Store.Models.UpdateTagsAsync(Company, [id], [Model.ArchivedTag], [], systemTags: true, Later, Editor);

        Assert.Empty(await QueryAsync(new ListCondition("tags", TagFilter.Any("old"))));
        Assert.Equal(["m"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.Parse(["__$all", "new"]))), labels));
        Assert.Equal(["n"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.Empty)), labels));
        Assert.Equal(["n"], Labels(await QueryAsync(new ListCondition("system_tags", TagFilter.Parse(["-archived"]))), labels));

        await Store.Models.UpdateTagsAsync(Company, [id], [], ["new"], systemTags: false, Later, Editor);

        Assert.Equal(["m", "n"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.Empty)), labels));
    }

    [Fact]
    public async Task Metadata_queries_follow_upserts_replacements_deletions_and_updates()
    {
        var labels = await InsertLabelledAsync(("m", m => m with { Metadata = Metadata(("epochs", "int", "10"), ("lr.base", "float", "0.1")) }));
        var id = labels.Keys.Single();
        async Task<string[]> FindAsync(string key, string value) =>
            Labels(await QueryAsync(new ListCondition(MetadataField(key), TagFilter.Any(value))), labels);

        await Store.Models.SetMetadataAsync(Company, id, [new MetadataItem("epochs", "int", "20")], replace: false, Later, Editor);
        Assert.Empty(await FindAsync("epochs", "10"));
        Assert.Equal(["m"], await FindAsync("epochs", "20"));
        Assert.Equal(["m"], await FindAsync("lr.base", "0.1"));

        await Store.Models.SetMetadataAsync(Company, id, [new MetadataItem("steps", "int", "5")], replace: true, Later, Editor);
        Assert.Empty(await FindAsync("epochs", "20"));
        Assert.Empty(await FindAsync("lr.base", "0.1"));
        Assert.Equal(["m"], await FindAsync("steps", "5"));

        await Store.Models.DeleteMetadataAsync(Company, id, ["steps"], Later, Editor);
        Assert.Empty(await FindAsync("steps", "5"));
        Assert.Equal(["m"], Labels(await QueryAsync(new ListCondition(MetadataField("steps"), TagFilter.Empty)), labels));

        await Store.Models.UpdateAsync(Company, id, new ModelChanges { Metadata = Metadata(("_private", "str", "p")) }, Later, Editor);
        Assert.Equal(["m"], await FindAsync("_private", "p"));
    }

    [Fact]
    public async Task A_model_inserted_after_a_delete_does_not_inherit_the_deleted_models_index_entries()
    {
        var doomed = await InsertAsync(with: m => m with { Tags = ["t"], SystemTags = ["s"], Metadata = Metadata(("k", "str", "v")) });
        await Store.Models.DeleteAsync(Company, doomed, force: false, Later);

        var labels = await InsertLabelledAsync(("fresh", m => m));

        Assert.Empty(await QueryAsync(new ListCondition("tags", TagFilter.Any("t"))));
        Assert.Empty(await QueryAsync(new ListCondition("system_tags", TagFilter.Any("s"))));
        Assert.Empty(await QueryAsync(new ListCondition(MetadataField("k"), TagFilter.Any("v"))));
        Assert.Equal(["fresh"], Labels(await QueryAsync(new ListCondition("tags", TagFilter.Empty)), labels));
        Assert.Equal(["fresh"], Labels(await QueryAsync(new ListCondition(MetadataField("k"), TagFilter.Empty)), labels));
    }

    [Fact]
    public async Task Models_deleted_with_their_project_leave_no_index_entries_behind()
    {
        var project = await Store.Projects.CreateAsync(new NewProject(Company, User, ProjectName.Parse("Doomed"), null, [], [], null), Now);
        await InsertAsync(with: m => m with { Project = project.Id, Tags = ["t"], Metadata = Metadata(("k", "str", "v")) });
        await Store.Projects.DeleteAsync(Company, project.Id!, deleteContents: true);

        var labels = await InsertLabelledAsync(("fresh", m => m));

        Assert.Empty(await QueryAsync(new ListCondition("tags", TagFilter.Any("t"))));
        Assert.Empty(await QueryAsync(new ListCondition(MetadataField("k"), TagFilter.Any("v"))));
        Assert.Equal(["fresh"], Labels(await QueryAsync(), labels));
    }

    // ---- sorted pages: the same rows whichever plan the store picks -------------------------------

    /// <summary>
    /// 60 models: "common" on every other one, "rare" on two, "pair" on every third; half in one
    /// project; created times with many ties. A sorted page of 5 with a condition that matches many
    /// models is read in the order's index (SQLite's store walks it), one that matches few through
    /// the condition's index; both must give the rows of sorting every match.
    /// </summary>
    private async Task<List<Model>> InsertSortableAsync()
    {
        var models = new List<Model>();
        for (var i = 0; i < 60; i++)
        {
            var tags = new List<string>();
            if (i % 2 == 0) tags.Add("common");
            if (i is 7 or 44) tags.Add("rare");
            if (i % 3 == 0) tags.Add("pair");
            var model = NewModel(name: $"sortable {i % 11:00}") with
            {
                Tags = tags,
                Project = i % 2 == 1 ? "0000000000000000000000000000000a" : "0000000000000000000000000000000b",
                Framework = i % 4 == 0 ? "PyTorch" : "Keras",
                Created = Now.AddMinutes(i * 37 % 13),
                SystemTags = i % 10 == 9 ? ["archived"] : [],
            };
            await InsertAsync(model);
            models.Add(model);
        }
        return models;
    }

    public static TheoryData<string> SortedPageConditions => new()
    {
        "common", "rare", "none", "common+pair", "common|rare", "common-in-a", "rare-in-b", "pair-not-archived", "common-framework",
    };

    [Theory]
    [MemberData(nameof(SortedPageConditions))]
    public async Task A_sorted_page_has_the_rows_of_sorting_every_match_for_common_and_rare_conditions(string condition)
    {
        var models = await InsertSortableAsync();
        (QueryCondition[] Conditions, Func<Model, bool> Holds) filter = condition switch
        {
            "common" => ([new ListCondition("tags", TagFilter.Any("common"))], m => m.Tags.Contains("common")),
            "rare" => ([new ListCondition("tags", TagFilter.Any("rare"))], m => m.Tags.Contains("rare")),
            "none" => ([new ListCondition("tags", TagFilter.Any("no-model-has-it"))], _ => false),
            "common+pair" => ([new ListCondition("tags", TagFilter.Parse(["__$all", "common", "pair"]))], m => m.Tags.Contains("common") && m.Tags.Contains("pair")),
            "common|rare" => ([new ListCondition("tags", TagFilter.Any("common", "rare"))], m => m.Tags.Contains("common") || m.Tags.Contains("rare")),
            "common-in-a" => ([new ListCondition("tags", TagFilter.Any("common", "pair")), new ListCondition("project", TagFilter.Any("0000000000000000000000000000000a"))],
                m => (m.Tags.Contains("common") || m.Tags.Contains("pair")) && m.Project == "0000000000000000000000000000000a"),
            "rare-in-b" => ([new ListCondition("tags", TagFilter.Any("rare")), new ListCondition("project", TagFilter.Any("0000000000000000000000000000000b"))],
                m => m.Tags.Contains("rare") && m.Project == "0000000000000000000000000000000b"),
            "pair-not-archived" => ([new ListCondition("tags", TagFilter.Any("pair")), new ListCondition("system_tags", TagFilter.Parse(["-archived"]))],
                m => m.Tags.Contains("pair") && !m.SystemTags.Contains("archived")),
            "common-framework" => ([new ListCondition("framework", TagFilter.Any("Keras"))], m => m.Framework == "Keras"),
            _ => throw new ArgumentOutOfRangeException(nameof(condition)),
        };
        var orders = new (SortKey[] Keys, Func<IEnumerable<Model>, IEnumerable<Model>> Sort)[]
        {
            ([new SortKey("created", Descending: true)], ms => ms.OrderByDescending(m => m.Created).ThenBy(m => m.Id, StringComparer.Ordinal)),
            ([new SortKey("created", Descending: false)], ms => ms.OrderBy(m => m.Created).ThenBy(m => m.Id, StringComparer.Ordinal)),
            ([new SortKey("name", Descending: false)], ms => ms.OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Id, StringComparer.Ordinal)),
            ([new SortKey("framework", Descending: true), new SortKey("created", Descending: true)],
                ms => ms.OrderByDescending(m => m.Framework, StringComparer.Ordinal).ThenByDescending(m => m.Created).ThenBy(m => m.Id, StringComparer.Ordinal)),
        };
        foreach (var (keys, sort) in orders)
        {
            var expected = sort(models.Where(filter.Holds)).Select(m => m.Id).ToList();
            foreach (var skip in new[] { 0, 5, 10 })
            {
                var page = await OrderedAsync(keys, skip, 5, filter.Conditions);
                Assert.Equal(expected.Skip(skip).Take(5), page.Select(m => m.Id));
            }
        }
    }

    // ---- frameworks ---------------------------------------------------------------------------

    [Fact]
    public async Task Frameworks_are_the_distinct_non_empty_frameworks_of_own_and_public_models_sorted()
    {
        const string project = "0000000000000000000000000000000a";
        const string otherProject = "0000000000000000000000000000000b";
        await InsertAsync(with: m => m with { Framework = "PyTorch", Project = project });
        await InsertAsync(with: m => m with { Framework = "PyTorch", Project = otherProject });
        await InsertAsync(with: m => m with { Framework = "Keras" });
        await InsertAsync(with: m => m with { Framework = "" });
        await InsertAsync();
        await InsertAsync(PublicCompany, m => m with { Framework = "ONNX", Project = project });
        await InsertAsync(PublicCompany, m => m with { Framework = "onnx" });
        await InsertAsync(OtherCompany, m => m with { Framework = "TensorFlow", Project = project });

        Assert.Equal(["Keras", "ONNX", "PyTorch", "onnx"], await Store.Models.GetFrameworksAsync(Company, null));
        Assert.Equal(["ONNX", "PyTorch"], await Store.Models.GetFrameworksAsync(Company, [project]));
        Assert.Equal(["ONNX", "PyTorch"], await Store.Models.GetFrameworksAsync(Company, [project, otherProject]));
        Assert.Equal(["ONNX", "TensorFlow", "onnx"], await Store.Models.GetFrameworksAsync(OtherCompany, null));
    }

    [Fact]
    public async Task Tags_are_the_distinct_tags_of_own_and_public_models_in_the_given_projects_sorted()
    {
        const string project = "0000000000000000000000000000000a";
        const string otherProject = "0000000000000000000000000000000b";
        await InsertAsync(with: m => m with { Tags = ["b", "a"], SystemTags = ["archived"], Project = project });
        await InsertAsync(with: m => m with { Tags = ["c", "a"], Project = otherProject });
        await InsertAsync(with: m => m with { Tags = ["no-project"] });
        await InsertAsync(PublicCompany, m => m with { Tags = ["public"], Project = project });
        await InsertAsync(OtherCompany, m => m with { Tags = ["theirs"], SystemTags = ["hidden"], Project = project });

        Assert.Equal(["a", "b", "c", "no-project", "public"], await Store.Models.GetTagsAsync(Company, null, systemTags: false));
        Assert.Equal(["archived"], await Store.Models.GetTagsAsync(Company, null, systemTags: true));
        Assert.Equal(["a", "b", "public"], await Store.Models.GetTagsAsync(Company, [project], systemTags: false));
        Assert.Equal(["a", "b", "c", "public"], await Store.Models.GetTagsAsync(Company, [project, otherProject, project], systemTags: false));
        Assert.Equal(["hidden"], await Store.Models.GetTagsAsync(OtherCompany, [project], systemTags: true));
        Assert.Equal(["public", "theirs"], await Store.Models.GetTagsAsync(OtherCompany, null, systemTags: false));
    }
}
