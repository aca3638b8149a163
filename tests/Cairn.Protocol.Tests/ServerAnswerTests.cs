using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol.Services;
using Xunit;

namespace Cairn.Protocol.Tests;

/// <summary>
/// The server's answers of the events reads, the <c>*_many</c> batches and the task, model and
/// project lifecycle as Protocol records: each writes exactly the JSON the server wrote when it
/// built them as JSON objects (field names and order, nulls ClearML writes, fields it leaves
/// out), and the same bytes through the reflection options and the generated context.
/// </summary>
public sealed class ServerAnswerTests
{
    private static string Wire<T>(T value) => JsonSerializer.Serialize(value, ClearmlJson.TypeInfo<T>());

    private static JsonObject Node(string json) => JsonNode.Parse(json)!.AsObject();

    private static OrderedDictionary<string, TValue> Map<TValue>(params (string Key, TValue Value)[] entries)
    {
        var map = new OrderedDictionary<string, TValue>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            map.Add(key, value);
        }
        return map;
    }

    [Fact]
    public void Event_pages_write_events_as_reported_and_plots_write_a_null_scroll_id_without_scrolling()
    {
        Assert.Equal("""{"events":[{"type":"log","msg":"hi"}],"returned":1,"total":5}""",
            Wire(new TaskLogResponse([Node("""{"type":"log","msg":"hi"}""")], 1, 5)));
        Assert.Equal("""{"events":[{"iter":1}],"returned":1,"total":3,"scroll_id":"events~3~c"}""",
            Wire(new TaskEventsResponse([Node("""{"iter":1}""")], 1, 3, "events~3~c")));
        Assert.Equal("""{"plots":[],"returned":0,"total":0,"scroll_id":null}""", Wire(new TaskPlotsResponse([], 0, 0, null)));
        Assert.Equal("""{"plots":[{"iter":2}],"returned":1,"total":9,"scroll_id":"plots~9~x"}""",
            Wire(new TaskPlotsResponse([Node("""{"iter":2}""")], 1, 9, "plots~9~x")));
    }

    [Fact]
    public void Maps_keyed_by_data_keep_the_order_their_keys_were_added_in()
    {
        IReadOnlyDictionary<string, ScalarSeriesDto> loss = Map(("train", new ScalarSeriesDto("train", [1, 2], [0.5, 0.25], "epoch")));
        IReadOnlyDictionary<string, ScalarSeriesDto> accuracy = Map(("val", new ScalarSeriesDto("val", ["2026-12-07T10:11:12"], [1.0])));
        var histogram = Map(("loss", loss), ("accuracy", accuracy));
        Assert.Equal(
            """{"loss":{"train":{"name":"train","x":[1,2],"y":[0.5,0.25],"x_axis_label":"epoch"}},"accuracy":{"val":{"name":"val","x":["2026-12-07T10:11:12"],"y":[1]}}}""",
            Wire(histogram));

        IReadOnlyDictionary<string, ScalarSeriesDto> byTask = Map(("t2", new ScalarSeriesDto("second", [3], [0.1])), ("t1", new ScalarSeriesDto("first", [3], [0.2])));
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, ScalarSeriesDto>> byVariant = Map(("train", byTask));
        Assert.Equal(
            """{"metrics":{"loss":{"train":{"t2":{"name":"second","x":[3],"y":[0.1]},"t1":{"name":"first","x":[3],"y":[0.2]}}}}}""",
            Wire(new MultiTaskScalarHistogramResponse(Map(("loss", byVariant)))));

        IReadOnlyDictionary<string, PlotGroupDto> byIteration = Map(("5", new PlotGroupDto("task one", [Node("""{"iter":5}""")])));
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, PlotGroupDto>> plotsByTask = Map(("t1", byIteration));
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, PlotGroupDto>>> plotsByVariant = Map(("roc", plotsByTask));
        Assert.Equal(
            """{"plots":{"curves":{"roc":{"t1":{"5":{"name":"task one","plots":[{"iter":5}]}}}}},"returned":1,"total":1,"scroll_id":null}""",
            Wire(new MultiTaskPlotsResponse(Map(("curves", plotsByVariant)), 1, 1)));

        IReadOnlyDictionary<string, VariantNameDto> variants = Map(("train", new VariantNameDto("train")), ("test", new VariantNameDto("test")));
        Assert.Equal("""{"metrics":{"loss":{"train":{"name":"train"},"test":{"name":"test"}}}}""",
            Wire(new ScalarMetricsAndVariantsResponse(Map(("loss", variants)))));
    }

    [Fact]
    public void Metric_lists_samples_and_vectors_carry_clearml_names()
    {
        Assert.Equal("""{"tasks":[{"task":"t1","task_name":"n","values":[{"metric":"m","variant":"v","value":0.5,"timestamp":1733580000123}]}]}""",
            Wire(new SingleValueMetricsResponse([new TaskSingleValuesDto("t1", "n", [new SingleValueDto("m", "v", 0.5, 1733580000123)])])));
        Assert.Equal("""{"metrics":[{"task":"t1","metrics":["loss"]},{"task":"t2","metrics":[]}]}""",
            Wire(new TaskMetricsResponse([new TaskMetricNamesDto("t1", ["loss"]), new TaskMetricNamesDto("t2", [])])));
        Assert.Equal("""{"metrics":[{"task":"t1","metric":"","iterations":[{"iter":3,"events":[{"url":"u"}]}]}],"scroll_id":"images~x"}""",
            Wire(new DebugImagesResponse([new DebugImagesMetricDto("t1", "", [new DebugImagesIterationDto(3, [Node("""{"url":"u"}""")])])], "images~x")));
        Assert.Equal("""{"scroll_id":"sample~x","event":null,"min_iteration":null,"max_iteration":null}""",
            Wire(new DebugImageSampleResponse("sample~x", null, null, null)));
        Assert.Equal("""{"scroll_id":"sample~y","event":{"iter":4},"min_iteration":0,"max_iteration":4}""",
            Wire(new DebugImageSampleResponse("sample~y", Node("""{"iter":4}"""), 0, 4)));
        Assert.Equal("""{"metric":"m","variant":"v","vectors":[[1,2],null],"iterations":[0,1]}""",
            Wire(new VectorMetricsResponse("m", "v", [new JsonArray(1, 2), null], [0, 1])));
    }

    [Fact]
    public void A_batch_writes_each_item_with_its_id_first_and_each_failure_with_its_codes()
    {
        var answer = new BatchOperationResponse<ArchivedItem>(
            [new ArchivedItem(true) { Id = "t1" }],
            [new BatchOperationFailure("t2", new BatchOperationError([400, 101], "Invalid task id", Node("""{"id":"t2"}""")))]);
        Assert.Equal("""{"succeeded":[{"id":"t1","archived":true}],"failed":[{"id":"t2","error":{"codes":[400,101],"msg":"Invalid task id","data":{"id":"t2"}}}]}""",
            Wire(answer));
        Assert.Equal("""{"succeeded":[{"id":"m1","unarchived":false}],"failed":[]}""",
            Wire(new BatchOperationResponse<UnarchivedItem>([new UnarchivedItem(false) { Id = "m1" }], [])));
        Assert.Equal("""{"succeeded":[{"id":"m1","updated":true,"published_task":null}],"failed":[]}""",
            Wire(new BatchOperationResponse<ModelPublishedItem>([new ModelPublishedItem(true, null) { Id = "m1" }], [])));
        Assert.Equal("""{"id":"m1","updated":true,"published_task":{"id":"t1","data":{"updated":1,"fields":{"status":"published"}}}}""",
            Wire(new ModelPublishedItem(true, new PublishedTaskDto("t1", new UpdatedFieldsResponse(1, Node("""{"status":"published"}""")))) { Id = "m1" }));
        Assert.Equal("""{"succeeded":[{"id":"m1","deleted":true,"url":null}],"failed":[]}""",
            Wire(new BatchOperationResponse<ModelDeletedItem>([new ModelDeletedItem(true, null) { Id = "m1" }], [])));
    }

    [Fact]
    public void An_answer_given_alone_leaves_out_the_id_it_carries_in_a_batch()
    {
        Assert.Equal("""{"updated":1,"fields":{"status":"stopped"}}""", Wire(new TaskStatusChangedResponse(1, Node("""{"status":"stopped"}"""))));
        Assert.Equal("""{"deleted":true,"url":"file:///w.bin"}""", Wire(new ModelDeletedItem(true, "file:///w.bin")));
        Assert.Equal("""{"deleted":true,"updated_children":0,"updated_models":1,"deleted_models":2}""",
            Wire(new TaskDeletedResponse(true, 0, 1, 2)));
        Assert.Equal("""{"updated":1,"fields":{"status":"created"},"deleted_models":0}""",
            Wire(new TaskResetResponse(1, Node("""{"status":"created"}"""), 0)));
        Assert.Equal(
            """{"id":"t1","updated":1,"fields":{"status":"created"},"deleted_models":1,"urls":{"model_urls":["u"],"event_urls":[],"artifact_urls":[]},"dequeued":false}""",
            Wire(new TaskResetResponse(1, Node("""{"status":"created"}"""), 1, new FileUrlsDto(["u"], [], []), Dequeued: false) { Id = "t1" }));
        Assert.Equal("""{"succeeded":[{"id":"t1","deleted":true,"updated_children":0,"updated_models":0,"deleted_models":0,"urls":{"model_urls":[],"event_urls":[],"artifact_urls":["a"]}}],"failed":[]}""",
            Wire(new BatchOperationResponse<TaskDeletedResponse>([new TaskDeletedResponse(true, 0, 0, 0, new FileUrlsDto([], [], ["a"])) { Id = "t1" }], [])));
    }

    [Fact]
    public void Task_and_project_answers_carry_clearml_names()
    {
        Assert.Equal("""{"archived":2}""", Wire(new TasksArchivedResponse(2)));
        Assert.Equal("""{"id":"t2"}""", Wire(new CloneTaskResponse("t2")));
        Assert.Equal("""{"id":"t2","new_project":{"id":"p1","name":"a/b"}}""", Wire(new CloneTaskResponse("t2", new NewProjectDto("p1", "a/b"))));
        Assert.Equal("""{"params":[{"task":"t1","hyperparams":[{"section":"Args","name":"lr","value":"0.1"}]}]}""",
            Wire(new TaskHyperParamsResponse([new TaskHyperParamsDto("t1", [Node("""{"section":"Args","name":"lr","value":"0.1"}""")])])));
        Assert.Equal("""{"configurations":[{"task":"t1","configuration":[{"name":"c","value":"x"}]}]}""",
            Wire(new TaskConfigurationsResponse([new TaskConfigurationDto("t1", [Node("""{"name":"c","value":"x"}""")])])));
        Assert.Equal("""{"configurations":[{"task":"t1","names":["a","b"]}]}""",
            Wire(new TaskConfigurationNamesResponse([new TaskConfigurationNamesDto("t1", ["a", "b"])])));
        Assert.Equal("""{"deleted":1,"disassociated_tasks":2,"disassociated_models":3,"deleted_models":0,"deleted_tasks":0}""",
            Wire(new ProjectDeletedResponse(1, 2, 3, 0, 0)));
        Assert.Equal("""{"total":3,"remaining":1,"parameters":[{"section":"Args","name":"lr"}]}""",
            Wire(new HyperParametersResponse(3, 1, [new HyperParameterDto("Args", "lr")])));
        Assert.Equal("""{"total":0,"values":[]}""", Wire(new HyperParamValuesResponse(0, [])));
    }

    /// <summary>The server writes a contract through the generated context, anything else by reflection: both must agree.</summary>
    [Fact]
    public void The_server_serializer_and_the_generated_context_write_the_same_bytes()
    {
        IReadOnlyDictionary<string, ScalarSeriesDto> series = Map(("train", new ScalarSeriesDto("train", [1, "2026-12-07T10:11:12+00:00"], [0.5], "epoch")));
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, ScalarSeriesDto>> byVariant = Map(("v", Map(("t1", series["train"])) as IReadOnlyDictionary<string, ScalarSeriesDto>));
        object[] answers =
        [
            new TaskLogResponse([Node("""{"msg":"é"}""")], 1, 1),
            new TaskEventsResponse([], 0, 0, "events~0~"),
            new TaskPlotsResponse([], 0, 0, null),
            Map(("z", series), ("a", series)),
            new MultiTaskScalarHistogramResponse(Map(("loss", byVariant))),
            new SingleValueMetricsResponse([new TaskSingleValuesDto("t1", "n", [new SingleValueDto("m", "v", 1e-7, 1)])]),
            new TaskMetricsResponse([new TaskMetricNamesDto("t1", ["a"])]),
            new DebugImageSampleResponse("s", null, null, 3),
            new VectorMetricsResponse("m", "v", [null], [JsonValue.Create(1)]),
            new BatchOperationResponse<ArchivedItem>([new ArchivedItem(true) { Id = "t1" }],
                [new BatchOperationFailure("t2", new BatchOperationError([400, 101], "m", Node("""{"ids":["t2"]}""")))]),
            new BatchOperationResponse<TaskStatusChangedResponse>([new TaskStatusChangedResponse(1, Node("""{"status":"stopped"}""")) { Id = "t1" }], []),
            new BatchOperationResponse<TaskResetResponse>([new TaskResetResponse(1, [], 0, Dequeued: false) { Id = "t1" }], []),
            new BatchOperationResponse<ModelPublishedItem>([new ModelPublishedItem(true, null) { Id = "m1" }], []),
            new ModelDeletedItem(true, null),
            new TaskDeletedResponse(true, 0, 0, 0, new FileUrlsDto([], [], [])),
            new CloneTaskResponse("t1"),
            new ProjectDeletedResponse(1, 0, 0, 0, 0),
            new HyperParametersResponse(0, 0, []),
        ];
        foreach (var answer in answers)
        {
            var reflection = JsonSerializer.Serialize(answer, answer.GetType(), ClearmlJson.Options);
            var generated = JsonSerializer.Serialize(answer, ClearmlJson.Contracts.GetTypeInfo(answer.GetType()));
            Assert.Equal(reflection, generated);
        }
    }
}
