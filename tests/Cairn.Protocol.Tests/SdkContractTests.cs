using System.Text;
using System.Text.Json;
using Cairn.Protocol.Services;
using Xunit;

namespace Cairn.Protocol.Tests;

/// <summary>
/// The requests the .NET SDK sends and the answers it reads, through the source-generated context:
/// each request carries the fields ClearML's SDK sends under ClearML's names (set fields only, plus
/// the server defaults a shared request type writes), and each answer reads ClearML's JSON.
/// </summary>
public sealed class SdkContractTests
{
    private static string Wire<T>(T value) => JsonSerializer.Serialize(value, ClearmlJson.TypeInfo<T>());

    private static T Read<T>(string json) => JsonSerializer.Deserialize(json, ClearmlJson.TypeInfo<T>())!;

    [Fact]
    public void Name_lookups_send_an_anchored_name_with_hidden_search_and_projection()
    {
        Assert.Equal("""{"only_fields":["id","name","last_update"],"name":"^a/b$","search_hidden":true}""",
            Wire(new GetAllProjectsRequest { Name = "^a/b$", OnlyFields = ["id", "name", "last_update"], SearchHidden = true }));
        Assert.Equal("""{"project":["p1"],"only_fields":["id"],"order_by":["-last_update"],"name":"^t$","search_hidden":false}""",
            Wire(new GetAllTasksRequest { Project = ["p1"], Name = "^t$", OnlyFields = ["id"], OrderBy = ["-last_update"], SearchHidden = false }));
    }

    [Fact]
    public void A_model_query_writes_its_filters_paging_and_metadata_paths_at_the_top_level()
    {
        var request = new GetAllModelsRequest
        {
            OrderBy = ["-created", "-id"],
            Name = "^m$",
            Project = ["p1"],
            Tags = ["a", "-b"],
            SystemTags = ["-archived"],
            Ready = true,
            Page = 2,
            PageSize = 500,
            FieldFilters = new() { [MetadataKeys.ValuePath("img.size")] = JsonSerializer.SerializeToElement("224", ClearmlJson.TypeInfo<string>()) },
        };
        Assert.Equal(
            """{"order_by":["-created","-id"],"name":"^m$","project":["p1"],"tags":["a","-b"],"system_tags":["-archived"],"ready":true,"page":2,"page_size":500,"metadata.img%2Esize.value":"224"}""",
            Wire(request));
        Assert.Equal("""{"id":["m1"],"task":["t1"],"uri":["file:///w.bin"]}""", Wire(new GetAllModelsRequest { Id = ["m1"], Task = ["t1"], Uri = ["file:///w.bin"] }));
        Assert.Equal("""{"scroll_id":""}""", Wire(new GetAllModelsRequest { ScrollId = "" }));
    }

    [Fact]
    public void Task_and_model_writes_carry_clearml_names()
    {
        Assert.Equal("""{"name":"train","type":"training","comment":"","system_tags":["development"],"project":"p1"}""",
            Wire(new CreateTaskRequest { Name = "train", Type = "training", Project = "p1", SystemTags = ["development"], Comment = "" }));
        Assert.Equal("""{"task":"t1","force":true,"status_reason":"exception","status_message":"E: x","publish":false,"publish_model":true}""",
            Wire(new TaskStatusRequest { Task = "t1", Force = true, StatusReason = "exception", StatusMessage = "E: x" }));
        // A derived request writes its own fields before the shared ones.
        Assert.Equal("""{"labels":{},"ready":false,"public":false,"name":"Anonymous","uri":"file:///tmp/x","project":"p1"}""",
            Wire(new CreateModelRequest { Uri = "file:///tmp/x", Name = "Anonymous", Labels = [], Ready = false, Public = false, Project = "p1" }));
        Assert.Equal("""{"model":"m1","metadata":[{"key":"sha256","type":"str","value":"ab"}],"replace_metadata":false}""",
            Wire(new AddOrUpdateMetadataRequest { Model = "m1", Metadata = [new MetadataItemDto { Key = "sha256", Type = "str", Value = "ab" }] }));
        Assert.Equal("""{"model":"m1","force":false,"delete_external_artifacts":false}""",
            Wire(new DeleteModelRequest { Model = "m1", DeleteExternalArtifacts = false }));
        Assert.Equal("""{"model":"m1","force_publish_task":false,"publish_task":false}""", Wire(new SetReadyRequest { Model = "m1", PublishTask = false }));
        Assert.Equal("""{"task":"t1","name":"best","model":"m1","type":"input"}""",
            Wire(new AddOrUpdateTaskModelRequest { Task = "t1", Name = "best", Model = "m1", Type = "input" }));
    }

    [Fact]
    public void An_artifact_record_writes_clearml_fields_and_display_data_as_pairs()
    {
        var artifact = new TaskArtifactDto
        {
            Key = "notes",
            Type = "string",
            Mode = "output",
            Uri = "https://files/notes.txt",
            ContentSize = 4,
            Hash = "ab",
            Timestamp = 1733580000,
            TypeData = new TaskArtifactTypeDataDto { Preview = "text", ContentType = "text/plain" },
            DisplayData = [["k", "v"]],
        };
        var json = Wire(artifact);
        Assert.Equal(
            """{"key":"notes","type":"string","mode":"output","uri":"https://files/notes.txt","content_size":4,"hash":"ab","timestamp":1733580000,"type_data":{"preview":"text","content_type":"text/plain"},"display_data":[["k","v"]]}""",
            json);
        Assert.Equal(artifact.TypeData, Read<TaskArtifactDto>(json).TypeData);
        Assert.Equal("v", Read<TaskArtifactDto>(json).DisplayData![0][1]);
    }

    [Fact]
    public void Events_write_python_spellings_for_nan_and_infinities()
    {
        var scalar = new ReportEventDto { Timestamp = 1, Type = "training_stats_scalar", Task = "m1", Iter = 3, Metric = "loss", Variant = "val", Value = 0.25, AllowLocked = false, ModelEvent = true };
        Assert.Equal("""{"timestamp":1,"type":"training_stats_scalar","task":"m1","iter":3,"metric":"loss","variant":"val","value":0.25,"allow_locked":false,"model_event":true}""", Wire(scalar));
        Assert.Contains("\"value\":\"nan\"", Wire(scalar with { Value = double.NaN }), StringComparison.Ordinal);
        Assert.Contains("\"value\":\"inf\"", Wire(scalar with { Value = double.PositiveInfinity }), StringComparison.Ordinal);
        Assert.Contains("\"value\":\"-inf\"", Wire(scalar with { Value = double.NegativeInfinity }), StringComparison.Ordinal);
        Assert.DoesNotContain("value", Wire(new ReportEventDto { Type = "plot", PlotStr = "{}" }), StringComparison.Ordinal);
        Assert.True(double.IsNaN(Read<ReportEventDto>("""{"value":"nan"}""").Value!.Value));
        Assert.Equal(double.NegativeInfinity, Read<ReportEventDto>("""{"value":"-Infinity"}""").Value);

        var answer = Read<AddBatchResponse>("""{"added":2,"errors":1,"errors_info":{"invalid task":1}}""");
        Assert.Equal((2, 1), (answer.Added, answer.Errors));
        Assert.Equal(1, answer.ErrorsInfo!["invalid task"]!.GetValue<int>());
        Assert.Equal(0, Read<AddBatchResponse>("""{"added":5}""").Errors);
    }

    [Fact]
    public void A_model_document_reads_clearml_json()
    {
        var model = Read<GetModelByIdResponse>("""
            {"model":{"id":"m1","name":"net","company":"c","created":"2026-12-07T10:11:12.345000+00:00","last_update":"2026-12-07T10:11:13",
            "user":"u1","task":"t1","project":"p1","comment":"c","tags":["a"],"system_tags":["archived"],"framework":"ONNX",
            "design":{"design":"layers: 3"},"labels":{"cat":1,"none":null},"uri":"s3://b/k","ready":true,"ui_cache":{},
            "metadata":{"img%2Esize":{"key":"img.size","type":"int","value":"224"}},"last_iteration":7,"last_metrics":{"h":{}}}}
            """).Model;
        Assert.Equal("m1", model.Id);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 10, 11, 12, 345, TimeSpan.Zero), model.Created);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 10, 11, 13, TimeSpan.Zero), model.LastUpdate);
        Assert.Equal(["archived"], model.SystemTags!);
        Assert.Equal("layers: 3", model.Design!["design"]!.GetValue<string>());
        Assert.Equal(1, model.Labels!["cat"]);
        Assert.Null(model.Labels["none"]);
        Assert.True(model.Ready);
        Assert.Equal("224", model.Metadata!["img%2Esize"]!.Value);
        Assert.Equal(7, model.LastIteration);

        // Servers before API 2.13 answer metadata as an empty list.
        Assert.Empty(Read<ModelDocument>("""{"id":"m1","metadata":[]}""").Metadata!);
        Assert.Null(Read<ModelDocument>("""{"id":"m1","metadata":null}""").Metadata);
        Assert.Equal("""{"id":"m1","metadata":{"k":{"key":"k","value":"v"}}}""",
            Wire(new ModelDocument { Id = "m1", Metadata = new Dictionary<string, MetadataItemDto?> { ["k"] = new() { Key = "k", Value = "v" } } }));

        var page = Read<GetAllModelsResponse>("""{"models":[{"id":"m1"},{"id":"m2"}],"scroll_id":"s"}""");
        Assert.Equal(new[] { "m1", "m2" }, page.Models.Select(m => m.Id!).ToArray());
        Assert.Equal("s", page.ScrollId);
    }

    [Fact]
    public void A_task_document_reads_models_output_and_keeps_execution_whole()
    {
        var task = Read<GetTaskByIdResponse>("""
            {"task":{"id":"t1","name":"train","type":"training","status":"in_progress","project":"p1",
            "output":{"destination":"s3://b"},"models":{"input":[{"name":"base","model":"m0"}],"output":[{"name":"best","model":"m1","updated":"2026-12-07T10:11:12+00:00"}]},
            "execution":{"model_labels":{"cat":1},"artifacts":[{"key":"a","type":"custom"}],"queue":"q"},
            "configuration":{"General":{"name":"General","value":"x","type":"legacy"}},"last_iteration":3}}
            """).Task;
        Assert.Equal("in_progress", task.Status);
        Assert.Equal("s3://b", task.Output!.Destination);
        Assert.Equal("m0", task.Models!.Input![0].Model);
        Assert.Equal("best", task.Models.Output![0].Name);
        Assert.Equal("q", task.Execution!["queue"]!.GetValue<string>());
        Assert.Equal("x", task.Configuration!["General"]!["value"]!.GetValue<string>());
        var artifacts = task.Execution["artifacts"].Deserialize(ClearmlJson.TypeInfo<List<TaskArtifactDto>>())!;
        Assert.Equal("a", Assert.Single(artifacts).Key);

        var project = Read<GetProjectByIdResponse>("""{"project":{"id":"p1","name":"a/b","basename":"b","default_output_destination":"s3://out"}}""").Project;
        Assert.Equal(("a/b", "s3://out"), (project.Name, project.DefaultOutputDestination));
        var projects = Read<GetAllProjectsResponse>("""{"projects":[{"id":"p1","last_update":"2026-12-07T10:11:12+00:00"}]}""");
        Assert.Equal("p1", Assert.Single(projects.Projects).Id);
    }

    [Fact]
    public void The_envelope_result_code_falls_back_to_the_http_status()
    {
        var coded = ResponseEnvelope.Read(Encoding.UTF8.GetBytes("""{"meta":{"result_code":400,"result_subcode":201},"data":{}}"""))!;
        Assert.Equal(400, coded.ResultCode(200));
        Assert.False(coded.IsSuccess(200));
        var bare = ResponseEnvelope.Read(Encoding.UTF8.GetBytes("""{"meta":{},"data":{}}"""))!;
        Assert.Equal(503, bare.ResultCode(503));
        Assert.True(bare.IsSuccess(200));
    }
}
