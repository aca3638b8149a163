using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Server.Tests.Events;
using Cairn.Server.Tests.Models;
using Cairn.Server.Tests.Tasks;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Hardening;

/// <summary>
/// Sizes a client may store are limited (docs/configuration.md, "Limits"): one over a limit is 400/12 naming the
/// field, and nothing is stored; at the limit the write succeeds.
/// </summary>
public sealed class EntityLimitsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static string Text(int length) => new('x', length);

    private static string[] Many(int count, string prefix) => [.. Enumerable.Range(0, count).Select(i => $"{prefix}{i}")];

    private static string Field(string key, JsonNode value) => new JsonObject { [key] = value }.ToJsonString();

    private static JsonArray Array(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)i)]);

    private static JsonObject Item(string value) => new() { ["value"] = value, ["type"] = "str" };

    public static TheoryData<string, string> OversizedModelFields => new()
    {
        { Field("name", Text(EntityLimits.MaxNameLength + 1)), "name" },
        { Field("comment", Text(EntityLimits.MaxCommentLength + 1)), "comment" },
        { Field("tags", Array([Text(EntityLimits.MaxTagLength + 1)])), "tags" },
        { Field("tags", Array(Many(EntityLimits.MaxTags + 1, "t"))), "tags" },
        { Field("system_tags", Array([Text(EntityLimits.MaxTagLength + 1)])), "system_tags" },
        { Field("labels", new JsonObject { [Text(EntityLimits.MaxNameLength + 1)] = 1 }), "labels" },
        { Field("labels", new JsonObject([.. Many(EntityLimits.MaxLabels + 1, "l").Select((l, i) => KeyValuePair.Create(l, (JsonNode?)i))])), "labels" },
        { Field("design", new JsonObject { ["design"] = Text(EntityLimits.MaxDesignLength) }), "design" },
        { Field("metadata", new JsonObject { [Text(EntityLimits.MaxNameLength + 1)] = Item("v") }), "metadata key" },
        { Field("metadata", new JsonObject { ["k"] = Item(Text(EntityLimits.MaxMetadataValueLength + 1)) }), "metadata value" },
        { Field("metadata", new JsonObject([.. Many(EntityLimits.MaxMetadataItems + 1, "k").Select(k => KeyValuePair.Create(k, (JsonNode?)Item("v")))])), "metadata" },
    };

    [Theory]
    [MemberData(nameof(OversizedModelFields))]
    public async Task An_oversized_field_of_models_create_is_400_12_naming_it_and_nothing_is_stored(string fields, string field)
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("limits");
        var body = JsonNode.Parse(fields)!.AsObject();
        body.TryAdd("name", "limited model");
        body["uri"] = "s3://bucket/limited.bin";
        body["project"] = project;
        var response = (await client.CallAsync("models.create", body.ToJsonString())).Fails(400, 12);
        Assert.Contains($"field '{field}'", response.Message, StringComparison.Ordinal);
        var stored = (await client.CallAsync("models.get_all", new { project = new[] { project } })).Ok();
        Assert.Empty(stored["models"]!.AsArray());
    }

    [Theory]
    [MemberData(nameof(OversizedModelFields))]
    public async Task An_oversized_field_of_models_edit_is_400_12_and_the_model_is_unchanged(string fields, string field)
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync("before edit", new { comment = "kept" });
        var before = (await client.CallAsync("models.get_by_id", new { model })).Ok()["model"]!.ToJsonString();
        var body = JsonNode.Parse(fields)!.AsObject();
        body["model"] = model;
        var response = (await client.CallAsync("models.edit", body.ToJsonString())).Fails(400, 12);
        Assert.Contains($"field '{field}'", response.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await client.CallAsync("models.get_by_id", new { model })).Ok()["model"]!.ToJsonString());
    }

    [Fact]
    public async Task Values_at_the_limits_are_stored()
    {
        using var client = _server.Client();
        var name = Text(EntityLimits.MaxNameLength);
        var model = await client.CreateModelAsync(name, new
        {
            comment = Text(EntityLimits.MaxCommentLength),
            tags = Many(EntityLimits.MaxTags, "t"),
            metadata = new Dictionary<string, object> { [Text(EntityLimits.MaxNameLength)] = new { value = Text(EntityLimits.MaxMetadataValueLength), type = "str" } },
        });
        var stored = (await client.CallAsync("models.get_by_id", new { model })).Ok()["model"]!;
        Assert.Equal(name, stored["name"]!.GetValue<string>());
        Assert.Equal(EntityLimits.MaxTags, stored["tags"]!.AsArray().Count);
    }

    [Fact]
    public async Task Add_or_update_metadata_limits_keys_values_and_count()
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync("metadata limits");
        var value = new[] { new { key = "k", type = "str", value = Text(EntityLimits.MaxMetadataValueLength + 1) } };
        Assert.Contains("metadata value", (await client.CallAsync("models.add_or_update_metadata", new { model, metadata = value })).Fails(400, 12).Message, StringComparison.Ordinal);
        var many = Many(EntityLimits.MaxMetadataItems + 1, "k").Select(k => new { key = k, type = "str", value = "v" }).ToArray();
        (await client.CallAsync("models.add_or_update_metadata", new { model, metadata = many })).Fails(400, 12);
        var stored = (await client.CallAsync("models.get_by_id", new { model })).Ok()["model"]!;
        Assert.True(stored["metadata"] is null || stored["metadata"]!.AsObject().Count == 0);

        // The count is of what the model ends up with: calls that each stay under it cannot add up past it.
        var half = EntityLimits.MaxMetadataItems / 2;
        (await client.CallAsync("models.add_or_update_metadata", new { model, metadata = many[..half] })).Ok();
        (await client.CallAsync("models.add_or_update_metadata", new { model, metadata = many[half..(2 * half)] })).Ok();
        var past = (await client.CallAsync("models.add_or_update_metadata", new { model, metadata = many[(2 * half)..] })).Fails(400, 12);
        Assert.Contains("field 'metadata'", past.Message, StringComparison.Ordinal);
        Assert.Equal(2 * half, (await client.CallAsync("models.get_by_id", new { model })).Ok()["model"]!["metadata"]!.AsObject().Count);
        // Replacing starts from nothing, so it is judged on its own items.
        (await client.CallAsync("models.add_or_update_metadata", new { model, metadata = many[..1], replace_metadata = true })).Ok();
    }

    [Fact]
    public async Task Tasks_and_projects_limit_names_comments_descriptions_and_tags()
    {
        using var client = _server.Client();
        (await client.CallAsync("tasks.create", new { name = Text(EntityLimits.MaxNameLength + 1), type = "training" })).Fails(400, 12);
        (await client.CallAsync("tasks.create", new { name = "limited task", type = "training", comment = Text(EntityLimits.MaxCommentLength + 1) })).Fails(400, 12);
        var task = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.edit", new { task, comment = Text(EntityLimits.MaxCommentLength + 1) })).Fails(400, 12);
        (await client.CallAsync("tasks.edit", new { task, tags = new[] { Text(EntityLimits.MaxTagLength + 1) } })).Fails(400, 12);
        Assert.Empty((await client.GetTaskAsync(task))["tags"]?.AsArray() ?? []);

        var projectName = Text(EntityLimits.MaxNameLength + 1);
        Assert.Contains("field 'name'", (await client.CallAsync("projects.create", new { name = projectName })).Fails(400, 12).Message, StringComparison.Ordinal);
        Assert.Contains("field 'description'", (await client.CallAsync("projects.create", new { name = "limits p", description = Text(EntityLimits.MaxCommentLength + 1) })).Fails(400, 12).Message, StringComparison.Ordinal);
        Assert.Empty((await client.CallAsync("projects.get_all", new { name = "^limits p$" })).Ok()["projects"]!.AsArray());
    }

    [Fact]
    public async Task A_task_holds_at_most_the_artifact_limit_and_a_call_past_it_changes_nothing()
    {
        using var client = _server.Client();
        var task = await client.CreateTaskAsync();
        JsonObject[] Artifacts(int from, int count) => [.. Enumerable.Range(from, count).Select(i => new JsonObject { ["key"] = $"a{i}", ["type"] = "custom", ["mode"] = "output", ["uri"] = $"s3://b/{i}" })];
        (await client.CallAsync("tasks.add_or_update_artifacts", new JsonObject { ["task"] = task, ["artifacts"] = new JsonArray(Artifacts(0, EntityLimits.MaxArtifactsPerTask)) }.ToJsonString())).Ok();
        var response = (await client.CallAsync("tasks.add_or_update_artifacts", new JsonObject { ["task"] = task, ["artifacts"] = new JsonArray(Artifacts(EntityLimits.MaxArtifactsPerTask, 1)) }.ToJsonString())).Fails(400, 12);
        Assert.Contains("field 'artifacts'", response.Message, StringComparison.Ordinal);
        Assert.Equal(EntityLimits.MaxArtifactsPerTask, (await client.GetTaskAsync(task))["execution"]!["artifacts"]!.AsArray().Count);
    }

    [Fact]
    public async Task Events_with_oversized_metric_or_variant_names_are_refused_and_last_metrics_stays_small()
    {
        using var client = _server.Client();
        var task = await client.CreateTaskAsync();
        var long_ = Text(EntityLimits.MaxMetricNameLength + 1);
        var refused = await client.AddBatchAsync(EventsApi.Scalar(task, 1, 0.5, metric: long_), EventsApi.Scalar(task, 1, 0.5, variant: long_));
        refused.Fails(400, 131);
        Assert.Contains($"at most {EntityLimits.MaxMetricNameLength} characters", refused.Message, StringComparison.Ordinal);
        (await client.AddBatchAsync(EventsApi.Scalar(task, 1, 0.5, metric: Text(EntityLimits.MaxMetricNameLength)))).Ok();
        var stored = await client.GetTaskAsync(task);
        Assert.DoesNotContain(long_, stored.ToJsonString(), StringComparison.Ordinal);
    }
}
