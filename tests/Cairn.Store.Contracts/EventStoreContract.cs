using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Core.Events;
using Cairn.Core.Models;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary><c>IEventStore</c>: storing, overwriting, aggregating, sampling and deleting events.</summary>
public abstract class EventStoreContract(IStoreProvider provider) : StoreContract(provider)
{
    private static readonly DateTimeOffset Later = Now.AddMinutes(5);

    private async Task<EventEntity> NewModelAsync()
    {
        var id = EntityId.New();
        await Store.Models.InsertAsync(new Model { Id = id, Company = Company, Name = "events model", Created = Now, LastUpdate = Now, Ready = false });
        return new EventEntity(id, IsModel: true);
    }

    private async Task<EventEntity> NewTaskAsync()
    {
        var id = EntityId.New();
        await Provider.InsertTaskAsync(Store, new TaskRow(id, Company, null, "in_progress"));
        return new EventEntity(id, IsModel: false);
    }

    private static NewEvent Scalar(EventEntity entity, long iter, double value, string metric = "loss", string variant = "train", long? timestamp = null) =>
        new(entity, EventTypes.Scalar, iter, metric, variant, timestamp ?? 1000 + iter, value, null, null, null);

    /// <summary>A non-scalar event whose document carries its timestamp, as the events service writes it.</summary>
    private static NewEvent Other(EventEntity entity, string type, long iter, long timestamp, JsonObject document, string metric = "m", string variant = "v")
    {
        document["timestamp"] = timestamp;
        return new(entity, type, iter, metric, variant, timestamp, 0, null, null, document);
    }

    private async Task<long> CountAsync(EventEntity entity) => await Store.Events.CountEventsAsync(entity, null);

    [Fact]
    public async Task A_point_sent_again_replaces_the_stored_one_and_logs_append()
    {
        var task = await NewTaskAsync();
        var log = new JsonObject { ["msg"] = "hello" };
        Assert.Equal(2, (await Store.Events.AddAsync(Company, [Scalar(task, 1, 1), Other(task, EventTypes.Log, 0, 5, log)], Now)).Added);
        await Store.Events.AddAsync(Company, [Scalar(task, 1, 2), Other(task, EventTypes.Log, 0, 5, log)], Now);
        Assert.Equal(3, await CountAsync(task));
        var histogram = await Store.Events.GetScalarHistogramAsync((await Store.Events.GetSeriesAsync(task, EventTypes.Scalar)).Single().Id, 100, HistogramAxis.Iteration);
        Assert.Equal([new HistogramPoint(1, 2)], histogram);
        Assert.Equal(1, (await Store.Tasks.GetInfoOrNullAsync(Company, task.Id))!.LastIteration);
    }

    [Fact]
    public async Task Last_metrics_aggregate_across_batches_and_last_iteration_only_rises()
    {
        var model = await NewModelAsync();
        await Store.Events.AddAsync(Company, [Scalar(model, 1, 0.9), Scalar(model, 2, 0.5), Scalar(model, 3, 0.7)], Later);
        await Store.Events.AddAsync(Company, [Scalar(model, 0, 0.1)], Later);
        var stored = (await Store.Models.GetByIdOrNullAsync(Company, model.Id))!;
        Assert.Equal(3, stored.LastIteration);
        Assert.Equal(Later, stored.LastUpdate);
        var metric = stored.LastMetrics!.Single().Value!.AsObject().Single().Value!;
        Assert.Equal("loss", metric["metric"]!.GetValue<string>());
        Assert.Equal(0.7, metric["value"]!.GetValue<double>());
        Assert.Equal(0.1, metric["min_value"]!.GetValue<double>());
        Assert.Equal(0, metric["min_value_iteration"]!.GetValue<long>());
        Assert.Equal(0.9, metric["max_value"]!.GetValue<double>());
        Assert.Equal(0.1, metric["first_value"]!.GetValue<double>());
        Assert.Equal(0, metric["first_value_iteration"]!.GetValue<long>());
        Assert.Equal(0.55, metric["mean_value"]!.GetValue<double>());
        Assert.Equal(4, metric["count"]!.GetValue<long>());
    }

    [Fact]
    public async Task Concurrent_batches_to_one_entity_lose_no_point_and_no_last_metrics_entry()
    {
        var task = await NewTaskAsync();
        // Twenty writers at once, each with a series of its own and points in a shared one.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(writer => Store.Events.AddAsync(Company,
            [Scalar(task, writer, writer, variant: $"own {writer}"), Scalar(task, 100 + writer, 1, variant: "shared")], Now)));

        var lastMetrics = (await Store.Tasks.GetByIdOrNullAsync(Company, task.Id))!.LastMetrics!.Single().Value!.AsObject();
        Assert.Equal(21, lastMetrics.Count);
        var shared = lastMetrics.Select(kv => kv.Value!).Single(m => m["variant"]!.GetValue<string>() == "shared");
        Assert.Equal(20, shared["count"]!.GetValue<long>());
        Assert.Equal(100, shared["first_value_iteration"]!.GetValue<long>());
        Assert.Equal(1.0, shared["mean_value"]!.GetValue<double>());
        Assert.Equal(40, await CountAsync(task));
        Assert.Equal(119, (await Store.Tasks.GetInfoOrNullAsync(Company, task.Id))!.LastIteration);
    }

    [Fact]
    public async Task The_histogram_samples_buckets_and_leaves_single_values_out()
    {
        var task = await NewTaskAsync();
        var events = Enumerable.Range(0, 100).Select(i => Scalar(task, i, i)).Append(Scalar(task, EventTypes.SingleValueIteration, 42)).ToList();
        await Store.Events.AddAsync(Company, events, Now);
        var series = (await Store.Events.GetSeriesAsync(task, EventTypes.Scalar)).Single().Id;
        var sampled = await Store.Events.GetScalarHistogramAsync(series, 10, HistogramAxis.Iteration);
        Assert.Equal(Enumerable.Range(0, 10).Select(b => new HistogramPoint(b * 10, (b * 10) + 4.5)), sampled);
        Assert.Equal(100, (await Store.Events.GetScalarHistogramAsync(series, 2000, HistogramAxis.Iteration)).Count);
        var byTime = await Store.Events.GetScalarHistogramAsync(series, 2000, HistogramAxis.Timestamp);
        Assert.Equal(new HistogramPoint(1000, 0), byTime[0]);
        Assert.Equal([new SingleValue("loss", "train", 42, 1000 + EventTypes.SingleValueIteration)], await Store.Events.GetSingleValuesAsync(task));
    }

    [Fact]
    public async Task Large_documents_come_back_whole_and_the_latest_iterations_first()
    {
        var task = await NewTaskAsync();
        var large = new string('p', 200_000);
        await Store.Events.AddAsync(Company, 
        [
            Other(task, EventTypes.Plot, 1, 1, new JsonObject { ["plot_str"] = "small" }),
            Other(task, EventTypes.Plot, 2, 2, new JsonObject { ["plot_str"] = large }),
            Other(task, EventTypes.Plot, 3, 3, new JsonObject { ["plot_str"] = "last" }),
        ], Now);
        var series = (await Store.Events.GetSeriesAsync(task, EventTypes.Plot)).Single().Id;
        var latest = await Store.Events.GetLatestAsync(series, 2);
        Assert.Equal(["last", large], latest.Select(p => p["plot_str"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Events_page_by_time_and_logs_read_from_either_end()
    {
        var task = await NewTaskAsync();
        await Store.Events.AddAsync(Company, 
        [
            Scalar(task, 1, 1, timestamp: 10),
            Other(task, EventTypes.Log, 0, 20, new JsonObject { ["msg"] = "a" }),
            Other(task, EventTypes.Log, 0, 30, new JsonObject { ["msg"] = "b" }),
        ], Now);
        var first = await Store.Events.GetEventsAsync(task, null, descending: true, after: null, take: 1);
        var page = await Store.Events.GetEventsAsync(task, null, descending: true, first.Cursor, take: 5);
        Assert.Equal(3, await Store.Events.CountEventsAsync(task, null));
        Assert.Equal([30L], first.Events.Select(e => e["timestamp"]!.GetValue<long>()));
        Assert.Equal([20L, 10L], page.Events.Select(e => e["timestamp"]!.GetValue<long>()));
        var log = await Store.Events.GetLogAsync(task, null, earlier: true, take: 1);
        Assert.Equal(2, log.Total);
        Assert.Equal("b", log.Events.Single()["msg"]!.GetValue<string>());
        var after = await Store.Events.GetLogAsync(task, 20, earlier: false, take: 10);
        Assert.Equal("b", after.Events.Single()["msg"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_full_log_page_ends_with_every_line_of_its_last_millisecond()
    {
        // The SDK logs several lines in one millisecond; the next page starts past the last
        // page's oldest timestamp, so a page cut inside that millisecond would skip lines.
        var task = await NewTaskAsync();
        NewEvent Line(long timestamp, string msg) => Other(task, EventTypes.Log, 0, timestamp, new JsonObject { ["msg"] = msg });
        await Store.Events.AddAsync(Company,
            [Line(10, "a"), Line(20, "b1"), Line(20, "b2"), Line(20, "b3"), Line(20, "b4"), Line(30, "c")], Now);

        var newest = await Store.Events.GetLogAsync(task, null, earlier: true, take: 3);
        Assert.Equal(["c", "b4", "b3", "b2", "b1"], newest.Events.Select(e => e["msg"]!.GetValue<string>()));
        var earlier = await Store.Events.GetLogAsync(task, 20, earlier: true, take: 3);
        Assert.Equal(["a"], earlier.Events.Select(e => e["msg"]!.GetValue<string>()));

        var oldest = await Store.Events.GetLogAsync(task, 0, earlier: false, take: 2);
        Assert.Equal(["a", "b1", "b2", "b3", "b4"], oldest.Events.Select(e => e["msg"]!.GetValue<string>()));
        // A page that is not full adds nothing.
        var all = await Store.Events.GetLogAsync(task, null, earlier: true, take: 10);
        Assert.Equal(6, all.Events.Count);
        Assert.Equal(6, all.Total);
    }

    [Fact]
    public async Task Deleting_an_entitys_events_clears_its_last_metrics_and_spares_others()
    {
        var model = await NewModelAsync();
        var task = await NewTaskAsync();
        await Store.Events.AddAsync(Company, [Scalar(model, 1, 1), Other(model, EventTypes.Plot, 1, 1, []), Scalar(task, 1, 1)], Now);
        Assert.Equal(2, await Store.Events.DeleteAsync(model));
        Assert.Equal(0, await CountAsync(model));
        Assert.Empty(await Store.Events.GetSeriesAsync(model, null));
        Assert.Null((await Store.Models.GetByIdOrNullAsync(Company, model.Id))!.LastMetrics);
        Assert.Equal(1, await CountAsync(task));
    }

    [Fact]
    public async Task A_task_and_a_model_with_the_same_id_keep_their_events_apart()
    {
        var id = EntityId.New();
        var task = new EventEntity(id, IsModel: false);
        var model = new EventEntity(id, IsModel: true);
        await Provider.InsertTaskAsync(Store, new TaskRow(id, Company, null, "in_progress"));
        await Store.Models.InsertAsync(new Model { Id = id, Company = Company, Name = "same id", Created = Now, LastUpdate = Now });
        await Store.Events.AddAsync(Company, [Scalar(task, 1, 1), Scalar(model, 1, 2), Scalar(model, 2, 3)], Now);
        Assert.Equal(1, await CountAsync(task));
        Assert.Equal(2, await CountAsync(model));
    }

    [Fact]
    public async Task Locked_and_foreign_entities_get_none_of_their_events_while_the_rest_are_stored()
    {
        var open = await NewTaskAsync();
        var published = EntityId.New();
        await Provider.InsertTaskAsync(Store, new TaskRow(published, Company, null, "published"));
        var ready = EntityId.New();
        await Store.Models.InsertAsync(new Model { Id = ready, Company = Company, Name = "ready", Created = Now, LastUpdate = Now, Ready = true });
        var foreign = EntityId.New();
        await Provider.InsertTaskAsync(Store, new TaskRow(foreign, OtherCompany, null, "in_progress"));
        var publishedTask = new EventEntity(published, IsModel: false);
        var readyModel = new EventEntity(ready, IsModel: true);
        var foreignTask = new EventEntity(foreign, IsModel: false);
        var missing = new EventEntity(EntityId.New(), IsModel: false);

        var result = await Store.Events.AddAsync(Company,
            [Scalar(open, 1, 1), Scalar(publishedTask, 1, 1), Scalar(readyModel, 1, 1), Scalar(foreignTask, 1, 1), Scalar(missing, 1, 1)], Now);

        Assert.Equal(1, result.Added);
        Assert.Equal(new HashSet<EventEntity> { publishedTask, readyModel, foreignTask, missing }, result.Refused.ToHashSet());
        Assert.Equal(0, await CountAsync(publishedTask));
        Assert.Equal(0, await CountAsync(readyModel));
        Assert.Equal(0, await CountAsync(foreignTask));
        Assert.Empty(await Store.Events.GetSeriesAsync(publishedTask, null));
        Assert.Equal(0, (await Store.Tasks.GetInfoOrNullAsync(Company, published))!.LastIteration);
    }

    [Fact]
    public async Task Allow_locked_lets_events_reach_a_published_task_and_a_ready_model()
    {
        var published = EntityId.New();
        await Provider.InsertTaskAsync(Store, new TaskRow(published, Company, null, "publishing"));
        var ready = EntityId.New();
        await Store.Models.InsertAsync(new Model { Id = ready, Company = Company, Name = "ready", Created = Now, LastUpdate = Now, Ready = true });
        var task = new EventEntity(published, IsModel: false);
        var model = new EventEntity(ready, IsModel: true);

        var result = await Store.Events.AddAsync(Company,
            [Scalar(task, 1, 1) with { AllowLocked = true }, Scalar(model, 1, 1) with { AllowLocked = true }], Now);

        Assert.Equal(2, result.Added);
        Assert.Empty(result.Refused);
        Assert.Equal(1, await CountAsync(task));
        Assert.Equal(1, await CountAsync(model));
    }

    [Fact]
    public async Task A_batch_changes_only_the_last_metrics_entries_of_the_series_it_touched()
    {
        // An entry no series backs (written by an older server, or by an import): a rebuild from
        // the series would drop it, an update of the touched entries keeps it.
        var foreign = new JsonObject { ["v"] = new JsonObject { ["metric"] = "kept", ["variant"] = "v", ["value"] = 7.0 } };
        var id = EntityId.New();
        await Store.Tasks.InsertAsync(new Cairn.Core.Tasks.TaskRecord
        {
            Id = id, Company = Company, Name = "metrics task", Type = "training", Status = "in_progress", Created = Now, LastUpdate = Now,
            LastMetrics = new JsonObject { ["foreign"] = foreign.DeepClone() },
        });
        var task = new EventEntity(id, IsModel: false);
        await Store.Events.AddAsync(Company, [Scalar(task, 1, 1, metric: "loss"), Scalar(task, 1, 5, metric: "acc")], Now);
        var before = (await Store.Tasks.GetByIdOrNullAsync(Company, id))!.LastMetrics!;
        Assert.Equal(3, before.Count);

        await Store.Events.AddAsync(Company, [Scalar(task, 2, 3, metric: "loss")], Later);

        var after = (await Store.Tasks.GetByIdOrNullAsync(Company, id))!.LastMetrics!;
        Assert.True(JsonNode.DeepEquals(foreign, after["foreign"]), after.ToJsonString());
        Assert.Equal(3, after.Count);
        var acc = before.Select(kv => kv.Value!.AsObject().Single().Value!).Single(m => m["metric"]!.GetValue<string>() == "acc");
        Assert.True(JsonNode.DeepEquals(acc, after.Select(kv => kv.Value!.AsObject().First().Value!).Single(m => m["metric"]!.GetValue<string>() == "acc")));
        var loss = after.Select(kv => kv.Value!.AsObject().First().Value!).Single(m => m["metric"]!.GetValue<string>() == "loss");
        Assert.Equal(3.0, loss["value"]!.GetValue<double>());
        Assert.Equal(2, loss["count"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_keyset_scroll_visits_every_event_once_in_either_direction()
    {
        var task = await NewTaskAsync();
        // Ties on the timestamp across series, kinds and iterations: the keyset must break them.
        var events = new List<NewEvent>();
        for (var i = 0; i < 20; i++)
        {
            events.Add(Scalar(task, i, i, timestamp: 100 + (i / 4)));
            events.Add(Scalar(task, i, i, variant: "eval", timestamp: 100 + (i / 4)));
            events.Add(Other(task, EventTypes.Log, 0, 100 + (i / 4), new JsonObject { ["msg"] = $"m{i}" }));
        }
        events.Add(Scalar(task, EventTypes.SingleValueIteration, 1, metric: "Summary", timestamp: 50));
        await Store.Events.AddAsync(Company, events, Now);
        Assert.Equal(61, await Store.Events.CountEventsAsync(task, null));

        foreach (var descending in new[] { false, true })
        {
            var seen = new List<JsonObject>();
            string? cursor = null;
            for (var pages = 0; pages < 100; pages++)
            {
                var page = await Store.Events.GetEventsAsync(task, null, descending, cursor, take: 7);
                if (page.Events.Count == 0)
                {
                    Assert.Null(page.Cursor);
                    break;
                }
                seen.AddRange(page.Events);
                cursor = page.Cursor;
            }
            Assert.Equal(61, seen.Count);
            var keys = seen.Select(e => e.ToJsonString()).ToList();
            Assert.Equal(keys.Count, keys.Distinct().Count());
            var times = seen.Select(e => e["timestamp"]!.GetValue<long>()).ToList();
            Assert.Equal(descending ? times.OrderDescending() : times.Order(), times);
        }
    }

    [Fact]
    public async Task Latest_plots_scroll_by_metric_and_variant_then_newest_iteration_first()
    {
        var task = await NewTaskAsync();
        var events = new List<NewEvent>();
        foreach (var variant in new[] { "b", "a" })
        {
            for (var iter = 1; iter <= 4; iter++)
            {
                events.Add(Other(task, EventTypes.Plot, iter, iter, new JsonObject { ["plot_str"] = $"{variant}{iter}" }, metric: "m", variant: variant));
            }
        }
        await Store.Events.AddAsync(Company, events, Now);
        Assert.Equal(6, await Store.Events.CountLatestPlotsAsync(task, null, iterations: 3));

        var plots = new List<string>();
        string? cursor = null;
        for (var pages = 0; pages < 10; pages++)
        {
            var page = await Store.Events.GetLatestPlotsAsync(task, null, iterations: 3, cursor, take: 4);
            if (page.Events.Count == 0)
            {
                break;
            }
            plots.AddRange(page.Events.Select(p => p["plot_str"]!.GetValue<string>()));
            cursor = page.Cursor;
        }
        Assert.Equal(["a4", "a3", "a2", "b4", "b3", "b2"], plots);
        await Assert.ThrowsAsync<Cairn.Core.Errors.CairnException>(() => Store.Events.GetLatestPlotsAsync(task, null, 1, "not-a-cursor", 4));
        await Assert.ThrowsAsync<Cairn.Core.Errors.CairnException>(() => Store.Events.GetEventsAsync(task, null, false, "1_2_3", 4));
    }

    [Fact]
    public async Task Single_values_and_metric_names_of_several_entities_come_in_one_read()
    {
        var first = await NewTaskAsync();
        var second = await NewTaskAsync();
        var silent = await NewTaskAsync();
        await Store.Events.AddAsync(Company,
        [
            Scalar(first, EventTypes.SingleValueIteration, 1, metric: "Summary", variant: "acc"),
            Scalar(first, 3, 0.5, metric: "loss"),
            Scalar(second, EventTypes.SingleValueIteration, 2, metric: "Summary", variant: "f1"),
            Other(second, EventTypes.Plot, 1, 1, [], metric: "curves"),
        ], Now);

        var values = await Store.Events.GetSingleValuesAsync(models: false, [first.Id, second.Id, silent.Id]);
        Assert.Equal(["acc"], values[first.Id].Select(v => v.Variant));
        Assert.Equal([2.0], values[second.Id].Select(v => v.Value));
        Assert.False(values.ContainsKey(silent.Id));
        Assert.Empty(await Store.Events.GetSingleValuesAsync(models: true, [first.Id]));

        var names = await Store.Events.GetMetricNamesAsync(models: false, [first.Id, second.Id, silent.Id], type: null);
        Assert.Equal(["Summary", "loss"], names[first.Id]);
        Assert.Equal(["Summary", "curves"], names[second.Id]);
        Assert.Equal(["curves"], (await Store.Events.GetMetricNamesAsync(false, [second.Id], EventTypes.Plot))[second.Id]);
    }

    [Fact]
    public async Task Last_metrics_hold_the_first_2000_series_and_keep_updating_them()
    {
        var task = await NewTaskAsync();
        await Store.Events.AddAsync(Company, Enumerable.Range(0, 1999).Select(i => Scalar(task, 1, i, metric: $"m{i:D4}")).ToList(), Now);
        // The 2000th series still gets its entry; the two after it do not.
        await Store.Events.AddAsync(Company, [Scalar(task, 1, 1, metric: "n1"), Scalar(task, 1, 2, metric: "n2"), Scalar(task, 1, 3, metric: "n3")], Now);
        await Store.Events.AddAsync(Company, [Scalar(task, 2, 42, metric: "m0000"), Scalar(task, 2, 5, metric: "n3")], Later);

        var metrics = (await Store.Tasks.GetByIdOrNullAsync(Company, task.Id))!.LastMetrics!
            .Select(kv => kv.Value!.AsObject().Single().Value!).ToDictionary(m => m["metric"]!.GetValue<string>());
        Assert.Equal(2000, metrics.Count);
        Assert.Contains("n1", metrics.Keys);
        Assert.DoesNotContain("n2", metrics.Keys);
        Assert.DoesNotContain("n3", metrics.Keys);
        Assert.Equal(42, metrics["m0000"]["value"]!.GetValue<double>());
    }
}
