using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol;
using Cairn.Web.Models;
using Microsoft.AspNetCore.WebUtilities;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class ModelTableStateTests
{
    private static ModelTableState Parse(string query) => ModelTableState.FromQuery(QueryHelpers.ParseQuery(query));

    private static string Wire<T>(T value) => JsonSerializer.Serialize(value, ClearmlJson.TypeInfo<T>());

    /// <summary>The typed request carries exactly the fields the hand-built body did (ClearML's UI's shape).</summary>
    [Fact]
    public void A_full_view_sends_the_fields_clearml_ui_sends()
    {
        var state = new ModelTableState { Columns = ["name", "framework", "meta.dataset"], Deep = true, Search = "res.net" }
            .WithFilter("tags", new ColumnFilter(["a", ModelTableState.ExcludedTagPrefix + "b"], All: true))
            .WithFilter("meta.dataset", new ColumnFilter(["v1"]))
            .WithFilter("framework", new ColumnFilter(["PyTorch", null]))
            .WithFilter("ready", new ColumnFilter(["true"]));
        var expected = JsonNode.Parse("""
            {"only_fields":["id","name","tags","system_tags","ready","project.name","last_update","framework","metadata"],
             "order_by":["-created"],"system_tags":["-archived"],"project":["p1"],"include_subprojects":true,
             "framework":["PyTorch",""],"ready":true,
             "filters":{"tags":{"all":{"include":["a"],"exclude":["b"]}},"metadata.dataset.value":{"any":{"include":["v1"]}}},
             "_any_":{"pattern":"res\\.net","fields":["id","name","comment","system_tags"]}}
            """);
        var actual = JsonNode.Parse(Wire(state.ToRequest("p1")));
        Assert.True(JsonNode.DeepEquals(expected, actual), actual!.ToJsonString());
    }

    [Fact]
    public void The_default_view_has_no_query_string_and_sorts_newest_first()
    {
        var state = new ModelTableState();
        Assert.Equal("", state.ToQueryString());
        Assert.Equal(["-created"], state.ToRequest("*").OrderBy!);
        Assert.Equal(["-archived"], state.ToRequest("*").SystemTags!);
        Assert.Null(state.ToRequest("*").Project);
    }

    [Fact]
    public void Every_part_of_the_view_survives_a_round_trip_through_the_url()
    {
        var metric = new MetricColumn("loss", "val.total", "min_value").Id;
        var state = new ModelTableState
        {
            Columns = ["name", "meta.data set", metric],
            Order = [new SortTerm("last_update", true), new SortTerm("name", false)],
            Archive = true,
            Deep = true,
            Search = "res+net",
            SearchIsRegex = true,
        }
            .WithFilter("tags", new ColumnFilter(["a,b", ModelTableState.ExcludedTagPrefix + "c", null], All: true))
            .WithFilter("framework", new ColumnFilter(["PyTorch"]));

        var parsed = Parse(state.ToQueryString());

        Assert.Equal(state.Columns, parsed.Columns);
        Assert.Equal(state.Order, parsed.Order);
        Assert.Equal(state.Archive, parsed.Archive);
        Assert.Equal(state.Deep, parsed.Deep);
        Assert.Equal(state.Search, parsed.Search);
        Assert.True(parsed.SearchIsRegex);
        Assert.Equal(["a,b", "__$not c", null], parsed.Filters["tags"].Values);
        Assert.True(parsed.Filters["tags"].All);
        Assert.Equal(["PyTorch"], parsed.Filters["framework"].Values);
        Assert.Equal(state.ToQueryString(), parsed.ToQueryString());
    }

    [Fact]
    public void Tag_filters_become_the_api_include_exclude_form()
    {
        var state = Parse("filter=tags:AND:a+$+__$not%20b");
        var request = state.ToRequest("p1");
        Assert.Equal("{\"all\":{\"include\":[\"a\"],\"exclude\":[\"b\"]}}", Wire(request.Filters!["tags"]));
        Assert.Equal(["p1"], request.Project!);
    }

    [Fact]
    public void Search_is_escaped_unless_regex_is_on_and_needs_three_characters()
    {
        Assert.Null(Parse("q=ab").Search);
        Assert.Equal("a\\.b", Parse("q=a.b").ToRequest("*").Any!.Pattern);
        Assert.Equal("a.b", Parse("q=a.b&qreg=true").ToRequest("*").Any!.Pattern);
    }

    [Fact]
    public void A_click_sorts_by_one_column_and_toggles_and_shift_click_adds_keys()
    {
        var state = new ModelTableState().SortBy("name", add: false);
        Assert.Equal([new SortTerm("name", true)], state.Order);
        state = state.SortBy("name", add: false);
        Assert.Equal([new SortTerm("name", false)], state.Order);
        state = state.SortBy("framework", add: true);
        Assert.Equal([new SortTerm("name", false), new SortTerm("framework", true)], state.Order);
        state = state.SortBy("framework", add: true);
        Assert.Equal([new SortTerm("name", false), new SortTerm("framework", false)], state.Order);
        state = state.SortBy("last_update", add: false);
        Assert.Equal([new SortTerm("last_update", true)], state.Order);
        Assert.Equal(["-last_update"], state.ToRequest("*").OrderBy!);
    }

    [Fact]
    public void Metadata_and_metric_columns_sort_by_their_api_fields()
    {
        var metric = new MetricColumn("loss", "val", "value");
        Assert.Equal("metadata.dataset.value", ModelTableState.SortField("meta.dataset"));
        Assert.Equal($"last_metrics.{metric.MetricHash}.{metric.VariantHash}.value", ModelTableState.SortField(metric.Id));
        Assert.True(MetricColumn.TryParse(metric.Id, out var parsed));
        Assert.Equal(metric, parsed);
    }

    [Fact]
    public void Unknown_columns_and_filters_in_a_url_are_ignored()
    {
        var state = Parse("columns=nonsense&order=-nonsense&filter=nonsense:x,ready:true");
        Assert.Equal(ModelTableState.DefaultColumns, state.Columns);
        Assert.Empty(state.Order);
        Assert.Equal(["ready"], state.Filters.Keys);
        Assert.True(state.ToRequest("*").Ready);
    }

    [Fact]
    public void Updated_range_filters_are_inclusive_days()
    {
        var request = Parse("filter=last_update:2026-01-01+$+2026-01-31").ToRequest("*");
        Assert.Equal([">=2026-01-01T00:00:00", "<2026-02-01T00:00:00"], request.LastUpdate!);
    }

    [Fact]
    public void A_metadata_filter_and_a_tag_filter_travel_together_in_filters()
    {
        var state = new ModelTableState { Columns = ["name", "meta.dataset"] }
            .WithFilter("meta.dataset", new ColumnFilter(["v1", "v2"]))
            .WithFilter("tags", new ColumnFilter(["a"]));
        var request = Parse(state.ToQueryString()).ToRequest("*");
        Assert.Equal("""{"any":{"include":["v1","v2"]}}""", Wire(request.Filters!["metadata.dataset.value"]));
        Assert.Equal("""{"any":{"include":["a"]}}""", Wire(request.Filters!["tags"]));
    }

    [Fact]
    public void Rows_ask_only_for_the_fields_of_the_shown_columns()
    {
        var plain = new ModelTableState().OnlyFields();
        Assert.DoesNotContain("metadata", plain);
        Assert.DoesNotContain("last_metrics", plain);
        Assert.Contains("project.name", plain);
        var wide = new ModelTableState { Columns = ["name", "meta.dataset", new MetricColumn("loss", "val", "value").Id] }
            .OnlyFields();
        Assert.Contains("metadata", wide);
        Assert.Contains("last_metrics", wide);
    }
}
