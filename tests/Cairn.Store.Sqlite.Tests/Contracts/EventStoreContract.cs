using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Core.Events;
using Cairn.Core.Models;
using Xunit;

namespace Cairn.Store.Sqlite.Tests.Contracts;

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

    private async Task<long> CountAsync(EventEntity entity) => (await Store.Events.GetEventsAsync(entity, null, false, 0, 1)).Total;

    [Fact]
    public async Task A_point_sent_again_replaces_the_stored_one_and_logs_append()
    {
        var task = await NewTaskAsync();
        var log = new JsonObject { ["msg"] = "hello" };
        Assert.Equal(2, await Store.Events.AddAsync([Scalar(task, 1, 1), Other(task, EventTypes.Log, 0, 5, log)], Now));
        await Store.Events.AddAsync([Scalar(task, 1, 2), Other(task, EventTypes.Log, 0, 5, log)], Now);
        Assert.Equal(3, await CountAsync(task));
        var histogram = await Store.Events.GetScalarHistogramAsync((await Store.Events.GetSeriesAsync(task, EventTypes.Scalar)).Single().Id, 100, HistogramAxis.Iteration);
        Assert.Equal([new HistogramPoint(1, 2)], histogram);
        Assert.Equal(1, (await Store.Tasks.GetInfoOrNullAsync(Company, task.Id))!.LastIteration);
    }

    [Fact]
    public async Task Last_metrics_aggregate_across_batches_and_last_iteration_only_rises()
    {
        var model = await NewModelAsync();
        await Store.Events.AddAsync([Scalar(model, 1, 0.9), Scalar(model, 2, 0.5), Scalar(model, 3, 0.7)], Later);
        await Store.Events.AddAsync([Scalar(model, 0, 0.1)], Later);
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
    public async Task The_histogram_samples_buckets_and_leaves_single_values_out()
    {
        var task = await NewTaskAsync();
        var events = Enumerable.Range(0, 100).Select(i => Scalar(task, i, i)).Append(Scalar(task, EventTypes.SingleValueIteration, 42)).ToList();
        await Store.Events.AddAsync(events, Now);
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
        await Store.Events.AddAsync(
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
        await Store.Events.AddAsync(
        [
            Scalar(task, 1, 1, timestamp: 10),
            Other(task, EventTypes.Log, 0, 20, new JsonObject { ["msg"] = "a" }),
            Other(task, EventTypes.Log, 0, 30, new JsonObject { ["msg"] = "b" }),
        ], Now);
        var page = await Store.Events.GetEventsAsync(task, null, descending: true, skip: 1, take: 5);
        Assert.Equal(3, page.Total);
        Assert.Equal([20L, 10L], page.Events.Select(e => e["timestamp"]!.GetValue<long>()));
        var log = await Store.Events.GetLogAsync(task, null, earlier: true, take: 1);
        Assert.Equal(2, log.Total);
        Assert.Equal("b", log.Events.Single()["msg"]!.GetValue<string>());
        var after = await Store.Events.GetLogAsync(task, 20, earlier: false, take: 10);
        Assert.Equal("b", after.Events.Single()["msg"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_an_entitys_events_clears_its_last_metrics_and_spares_others()
    {
        var model = await NewModelAsync();
        var task = await NewTaskAsync();
        await Store.Events.AddAsync([Scalar(model, 1, 1), Other(model, EventTypes.Plot, 1, 1, []), Scalar(task, 1, 1)], Now);
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
        await Store.Events.AddAsync([Scalar(task, 1, 1), Scalar(model, 1, 2), Scalar(model, 2, 3)], Now);
        Assert.Equal(1, await CountAsync(task));
        Assert.Equal(2, await CountAsync(model));
    }
}
