using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol.Services;
using Xunit;

namespace Cairn.Protocol.Tests;

/// <summary>
/// The request and response types the web UI and the server share, through the source-generated
/// context: each serializes to exactly ClearML's field names (absent values left out, the server's
/// defaults written), reads ClearML's JSON back, and answers byte for byte as the server's
/// reflection-based serializer does (so moving a handler onto them does not change the wire).
/// </summary>
public sealed class WireContractTests
{
    private static string Wire<T>(T value) => JsonSerializer.Serialize(value, ClearmlJson.TypeInfo<T>());

    private static T Read<T>(string json) => JsonSerializer.Deserialize(json, ClearmlJson.TypeInfo<T>())!;

    [Fact]
    public void Get_all_requests_send_only_the_fields_that_are_set_under_clearml_names()
    {
        Assert.Equal("""{"id":["m1"],"only_fields":["id","name"],"size":1}""",
            Wire(new GetAllModelsRequest { Id = ["m1"], OnlyFields = ["id", "name"], Size = 1 }));
        Assert.Equal("""{"parent":["m1"],"order_by":["-created"]}""", Wire(new GetAllModelsRequest { Parent = ["m1"], OrderBy = ["-created"] }));
        Assert.Equal("""{"models.input.model":["m1"],"order_by":["-last_update"],"size":20}""",
            Wire(new GetAllTasksRequest { InputModel = ["m1"], OrderBy = ["-last_update"], Size = 20 }));
        Assert.Equal(
            """{"parent":["p1"],"shallow_search":true,"check_own_contents":true,"include_stats":true,"only_fields":["id"],"order_by":["name"],"page":2,"page_size":500}""",
            Wire(new GetAllProjectsRequest { Parent = ["p1"], ShallowSearch = true, CheckOwnContents = true, IncludeStats = true, OnlyFields = ["id"], OrderBy = ["name"], Page = 2, PageSize = 500 }));
        Assert.Equal("{}", Wire(new GetAllProjectsRequest()));
        Assert.Equal("""{"only_fields":["id","name"]}""", Wire(new GetAllUsersRequest { OnlyFields = ["id", "name"] }));
        Assert.Equal("""{"user":"u1"}""", Wire(new GetUserByIdRequest { User = "u1" }));
    }

    [Fact]
    public void Get_all_tasks_reads_the_dotted_input_model_filter()
    {
        var request = Read<GetAllTasksRequest>("""{"models.input.model":["m1","m2"],"size":5}""");
        Assert.Equal(["m1", "m2"], request.InputModel!);
        Assert.Equal(5, request.Size);
        Assert.Null(request.Id);
    }

    [Fact]
    public void Event_reads_carry_clearml_names()
    {
        Assert.Equal("""{"task":"t1","batch_size":100,"navigate_earlier":true,"from_timestamp":1733580000123}""",
            Wire(new GetTaskLogRequest { Task = "t1", BatchSize = 100, NavigateEarlier = true, FromTimestamp = 1733580000123 }));
        Assert.Equal("""{"task":"t1","batch_size":100}""", Wire(new GetTaskLogRequest { Task = "t1", BatchSize = 100 }));
        Assert.Equal("""{"task":"m1","key":"iter","model_events":true}""",
            Wire(new ScalarMetricsIterHistogramRequest { Task = "m1", Key = "iter", ModelEvents = true }));
        Assert.Equal("""{"task":"m1","iters":1,"scroll_id":"plots~x","no_scroll":false,"model_events":false}""",
            Wire(new GetTaskPlotsRequest { Task = "m1", Iters = 1, ScrollId = "plots~x", NoScroll = false, ModelEvents = false }));
    }

    [Fact]
    public void Project_menu_requests_write_the_server_defaults_and_read_them_when_left_out()
    {
        Assert.Equal("""{"project":"p1","include_subprojects":true,"page":0,"page_size":500}""",
            Wire(new GetModelMetadataKeysRequest { Project = "p1" }));
        Assert.Equal("""{"projects":["p1"],"key":"dataset","include_subprojects":true,"page":0,"page_size":100}""",
            Wire(new GetModelMetadataValuesRequest { Projects = ["p1"], Key = "dataset", PageSize = 100 }));
        Assert.Equal("""{"include_subprojects":false,"model_metrics":true,"ids":["m1"]}""",
            Wire(new GetUniqueMetricVariantsRequest { IncludeSubprojects = false, ModelMetrics = true, Ids = ["m1"] }));
        Assert.Equal("""{"include_system":true,"projects":["p1"]}""", Wire(new GetModelTagsRequest { IncludeSystem = true, Projects = ["p1"] }));
        Assert.Equal("""{"projects":["p1"],"section":"Args","name":"lr","allow_public":true,"include_subprojects":true,"pattern":"^0","page":0,"page_size":500}""",
            Wire(new GetHyperparamValuesRequest { Projects = ["p1"], Section = "Args", Name = "lr", Pattern = "^0" }));

        var defaults = Read<GetModelMetadataKeysRequest>("{}");
        Assert.True(defaults.IncludeSubprojects);
        Assert.Equal(500, defaults.PageSize);
        Assert.Null(defaults.Project);
        var values = Read<GetModelMetadataValuesRequest>("""{"key":"k","projects":null,"page":3}""");
        Assert.Equal("k", values.Key);
        Assert.Null(values.Projects);
        Assert.Equal(3, values.Page);
        Assert.True(Read<GetHyperparamValuesRequest>("{}").AllowPublic);
        Assert.False(Read<GetUniqueMetricVariantsRequest>("{}").ModelMetrics);
    }

    [Fact]
    public void Project_menu_answers_keep_clearml_field_order_and_leave_out_system_tags_unless_asked()
    {
        Assert.Equal("""{"tags":["a","b"]}""", Wire(new TagsResponse(["a", "b"])));
        Assert.Equal("""{"tags":["a"],"system_tags":["archived"]}""", Wire(new TagsResponse(["a"], ["archived"])));
        Assert.Equal("""{"keys":["dataset","lr"],"remaining":3,"total":5}""", Wire(new MetadataKeysResponse(["dataset", "lr"], 3, 5)));
        Assert.Equal("""{"total":2,"remaining":0,"values":["v1","v2"]}""", Wire(new MetadataValuesResponse(2, 0, ["v1", "v2"])));
        Assert.Equal("""{"metrics":[{"metric":"loss","metric_hash":"h1","variant":"train","variant_hash":"h2"}]}""",
            Wire(new MetricVariantsResponse([new MetricVariantDto("loss", "h1", "train", "h2")])));

        var read = Read<MetricVariantsResponse>("""{"metrics":[{"metric":"loss","metric_hash":"h1","variant":"train","variant_hash":"h2"}]}""");
        Assert.Equal(new MetricVariantDto("loss", "h1", "train", "h2"), Assert.Single(read.Metrics));
        Assert.Null(Read<TagsResponse>("""{"tags":[]}""").SystemTags);
    }

    /// <summary>The server answers through <see cref="ClearmlJson.Options"/> (reflection); the web UI reads through the generated context.</summary>
    [Fact]
    public void The_server_serializer_and_the_generated_context_write_the_same_bytes()
    {
        object[] answers =
        [
            new TagsResponse(["a"]),
            new TagsResponse(["a"], ["b"]),
            new MetadataKeysResponse(["k.é"], 0, 1),
            new MetadataValuesResponse(1, 0, ["v"]),
            new MetricVariantsResponse([new MetricVariantDto("m", MetricKeys.Hash("m"), "v", MetricKeys.Hash("v"))]),
            new GetAllTasksRequest { InputModel = ["m1"] },
            new UpdatedResponse(1),
            new UpdatedFieldsResponse(1, new JsonObject { ["status_reason"] = null, ["last_update"] = "2026-12-07T10:11:12+00:00" }),
            new DeletedResponse(3),
            new CreatedResponse("m1", Created: false),
            new MoveModelsResponse(null),
            new MoveModelsResponse("p1"),
            new FrameworksResponse(["ONNX", "PyTorch"]),
            new TaskTypesResponse(["training"]),
            new GetModelMetadataKeysRequest(),
        ];
        foreach (var answer in answers)
        {
            var reflection = JsonSerializer.Serialize(answer, answer.GetType(), ClearmlJson.Options);
            var generated = JsonSerializer.Serialize(answer, ClearmlJson.Contracts.GetTypeInfo(answer.GetType()));
            Assert.Equal(reflection, generated);
        }
    }

    [Fact]
    public void Write_answers_carry_clearml_names_and_a_move_to_the_root_writes_a_null_project()
    {
        Assert.Equal("""{"updated":0}""", Wire(new UpdatedResponse(0)));
        Assert.Equal("""{"updated":1,"fields":{"status_reason":null,"name":"n"}}""",
            Wire(new UpdatedFieldsResponse(1, new JsonObject { ["status_reason"] = null, ["name"] = "n" })));
        Assert.Equal("""{"deleted":2}""", Wire(new DeletedResponse(2)));
        Assert.Equal("""{"id":"m1","created":true}""", Wire(new CreatedResponse("m1", Created: true)));
        Assert.Equal("""{"project_id":null}""", Wire(new MoveModelsResponse(null)));
        Assert.Equal("""{"project_id":"p1"}""", Wire(new MoveModelsResponse("p1")));
        Assert.Equal("""{"frameworks":["ONNX"]}""", Wire(new FrameworksResponse(["ONNX"])));
        Assert.Equal("""{"types":["testing","training"]}""", Wire(new TaskTypesResponse(["testing", "training"])));
        Assert.Equal("""{"id":"t1"}""", Wire(new IdResponse("t1")));
        Assert.Null(Read<MoveModelsResponse>("""{"project_id":null}""").ProjectId);
        Assert.False(Read<CreatedResponse>("""{"id":"m1","created":false}""").Created);
    }

    [Fact]
    public void Model_edits_from_the_web_ui_send_only_the_changed_fields()
    {
        Assert.Equal("""{"model":"m1","comment":""}""", Wire(new EditModelRequest { Model = "m1", Comment = "" }));
        Assert.Equal("""{"model":"m1","metadata":{"a.b":{"key":"a.b","type":"str","value":"1"}}}""",
            Wire(new EditModelRequest { Model = "m1", Metadata = new() { ["a.b"] = new MetadataItemDto { Key = "a.b", Type = "str", Value = "1" } } }));
        Assert.Equal("""{"model":"m1","labels":{"cat":1,"dog":2}}""", Wire(new EditModelRequest { Model = "m1", Labels = new() { ["cat"] = 1, ["dog"] = 2 } }));
        Assert.Equal("""{"model":"m1","design":{"design":"layers: 3"}}""",
            Wire(new EditModelRequest { Model = "m1", Design = new JsonObject { ["design"] = "layers: 3" } }));
    }

    [Fact]
    public void Sign_in_and_credentials_answers_read_from_clearml_json()
    {
        Assert.Equal("""{"expiration_sec":86400}""", Wire(new LoginRequest { ExpirationSec = 86400 }));
        Assert.Equal("tok", Read<LoginResponse>("""{"token":"tok"}""").Token);
        var created = Read<CreateCredentialsResponse>("""{"credentials":{"access_key":"AK","secret_key":"SK","label":null}}""");
        Assert.Equal(new CredentialsResponse("AK", "SK", null), created.Credentials);
        var listed = Read<GetCredentialsResponse>("""{"credentials":[{"access_key":"AK","label":"ci","last_used":"2026-12-07T10:11:12.345000+00:00","last_used_from":"10.0.0.1"}]}""");
        var only = Assert.Single(listed.Credentials);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 10, 11, 12, 345, TimeSpan.Zero), only.LastUsed);
        Assert.Equal("ci", only.Label);
        Assert.Equal("{}", Wire(new CreateCredentialsRequest()));
    }

    [Fact]
    public void A_type_outside_the_contracts_is_refused_with_its_name()
    {
        var e = Assert.Throws<NotSupportedException>(() => ClearmlJson.TypeInfo<Uri>());
        Assert.Contains("Uri", e.Message, StringComparison.Ordinal);
    }
}
