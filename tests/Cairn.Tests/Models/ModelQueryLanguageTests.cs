using Cairn.Protocol.Query;
using Cairn.Session;
using Cairn.Tests.Session;
using Xunit;

namespace Cairn.Tests.Models;

/// <summary><c>Model.QueryAsync(string, …)</c> and its lazy variant <c>Model.QueryEachAsync</c>: the query language (docs/query.md) against a real server.</summary>
public sealed class ModelQueryLanguageTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    private async Task<InputModel> ImportAsync(string project, string name, string? framework, params string[] tags) =>
        await InputModel.ImportModelAsync($"https://example.invalid/{project}/{Guid.NewGuid():N}/{name}.pt", name: name, project: project,
            tags: tags, framework: framework, session: fixture.Session);

    [Fact]
    public async Task A_query_selects_by_tags_framework_metadata_name_and_publication_newest_first()
    {
        var project = SdkServerFixture.UniqueProject("qlang");
        var prodTorch = await ImportAsync(project, "resnet-1", "PyTorch", "production");
        var prodOnnx = await ImportAsync(project, "resnet-2", "ONNX", "production");
        var deprecated = await ImportAsync(project, "resnet-3", "ONNX", "production", "deprecated");
        var keras = await ImportAsync(project, "resnet-4", "Keras", "production");
        var vit = await ImportAsync(project, "vit-1", "PyTorch", "production");
        await ImportAsync(SdkServerFixture.UniqueProject("elsewhere"), "resnet-9", "PyTorch", "production");
        foreach (var model in new[] { prodTorch, prodOnnx, deprecated, keras, vit })
        {
            await model.SetMetadataAsync("data.set", model == prodOnnx ? "coco" : "imagenet");
            await model.PublishAsync();
        }
        var draft = await ImportAsync(project, "resnet-5", "PyTorch", "production");
        await draft.SetMetadataAsync("data.set", "imagenet");

        var query = """tag:production and not tag:deprecated and (framework:PyTorch or framework:ONNX) and name ~ "^resnet" and published""";
        var found = await Model.QueryAsync(query, projectName: project, session: fixture.Session);
        // A metadata key with a dot travels escaped (metadata.data%2Eset.value) and addresses that one key.
        var imagenet = await Model.QueryAsync(query + """ and meta.data.set = "imagenet" """, projectName: project, session: fixture.Session);
        var drafts = await Model.QueryAsync("draft and tag:production", projectName: project, session: fixture.Session);
        var newest = await Model.QueryAsync("tag:production", projectName: project, maxResults: 2, session: fixture.Session);

        Assert.Equal([prodOnnx.Id, prodTorch.Id], found.Select(m => m.Id));
        Assert.True(found.All(m => m.IsLoaded));
        Assert.Equal("resnet-2", found[0].Name);
        Assert.Equal([prodTorch.Id], imagenet.Select(m => m.Id));
        Assert.Equal([draft.Id], drafts.Select(m => m.Id));
        Assert.Equal([draft.Id, vit.Id], newest.Select(m => m.Id));
    }

    [Fact]
    public async Task Archived_models_are_left_out_unless_asked_for_or_named_by_a_system_tag_condition()
    {
        var project = SdkServerFixture.UniqueProject("qarch");
        var kept = await ImportAsync(project, "kept", null, "x");
        var archived = await ImportAsync(project, "archived", null, "x");
        await archived.ArchiveAsync();

        var byDefault = await Model.QueryAsync("tag:x", projectName: project, session: fixture.Session);
        var included = await Model.QueryAsync("tag:x", projectName: project, includeArchived: true, session: fixture.Session);
        var onlyArchived = await Model.QueryAsync("tag:x and system_tag:archived", projectName: project, session: fixture.Session);

        Assert.Equal([kept.Id], byDefault.Select(m => m.Id));
        Assert.Equal([archived.Id, kept.Id], included.Select(m => m.Id));
        Assert.Equal([archived.Id], onlyArchived.Select(m => m.Id));
    }

    [Fact]
    public async Task The_lazy_query_fetches_each_page_only_when_the_previous_one_is_consumed()
    {
        var project = SdkServerFixture.UniqueProject("qlazy");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await ImportAsync(project, $"model-{i}", "ONNX", "lazy")).Id);
        }
        ids.Reverse(); // newest first
        var counting = new CountingHandler();
        await using var session = new ClearMLSession(SdkServerFixture.SettingsFor(fixture.Server, fixture.CacheDir), handler: counting);

        var models = Model.QueryEachAsync("tag:lazy and framework:ONNX", projectName: project, pageSize: 2, session: session);
        Assert.Equal(0, counting.Calls("models.get_all")); // nothing is sent before the enumeration starts

        var seen = new List<string>();
        await using (var e = models.GetAsyncEnumerator())
        {
            Assert.True(await e.MoveNextAsync());
            seen.Add(e.Current.Id);
            Assert.True(await e.MoveNextAsync());
            seen.Add(e.Current.Id);
            Assert.Equal(1, counting.Calls("models.get_all"));
            Assert.True(await e.MoveNextAsync());
            seen.Add(e.Current.Id);
            Assert.Equal(2, counting.Calls("models.get_all"));
        }
        Assert.Equal(ids.Take(3), seen);
        Assert.Equal(ids, await Model.QueryEachAsync("tag:lazy", projectName: project, pageSize: 2, session: session).Select(m => m.Id).ToListAsync());
    }

    [Fact]
    public async Task A_bad_query_throws_at_the_call_naming_its_column_and_token_before_anything_is_sent()
    {
        var counting = new CountingHandler();
        await using var session = new ClearMLSession(SdkServerFixture.SettingsFor(fixture.Server, fixture.CacheDir), handler: counting);

        var syntax = await Assert.ThrowsAsync<QueryException>(() => Model.QueryAsync("tag:a tag:b", session: session));
        Assert.Equal((7, "tag"), (syntax.Column, syntax.Token));
        Assert.Contains("column 7", syntax.Message, StringComparison.Ordinal);
        // A shape ClearML's get_all cannot express is refused at the 'or', not sent as something else.
        var shape = Assert.Throws<QueryException>(() => Model.QueryEachAsync("tag:a or framework:ONNX", session: session));
        Assert.Equal((7, "or"), (shape.Column, shape.Token));
        var both = Assert.Throws<ArgumentException>(() => Model.QueryEachAsync("project:p1", projectName: "p", session: session));
        Assert.Equal("projectName", both.ParamName);
        var missing = await Assert.ThrowsAsync<ArgumentException>(() => Model.QueryAsync("tag:a", projectName: "no-such-project-anywhere", session: session));
        Assert.Equal("projectName", missing.ParamName);
        Assert.Equal("maxResults", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Model.QueryAsync("tag:a", maxResults: -1, session: session))).ParamName);
        Assert.Equal("pageSize", Assert.Throws<ArgumentOutOfRangeException>(() => Model.QueryEachAsync("tag:a", pageSize: 0, session: session)).ParamName);
        Assert.Equal(0, counting.Calls("models.get_all"));
    }

    [Fact]
    public async Task The_client_runs_the_same_query()
    {
        var project = SdkServerFixture.UniqueProject("qclient");
        var a = await ImportAsync(project, "model-a", "PyTorch", "c1");
        await ImportAsync(project, "model-b", "PyTorch", "c2");
        await using var client = new ClearMLClient(fixture.Session);

        var listed = await client.QueryAsync("tag:c1 or tag:c3", projectName: project);
        var lazy = await client.QueryEachAsync("tag:c1", projectName: project).Select(m => m.Id).ToListAsync();

        Assert.Equal([a.Id], listed.Select(m => m.Id));
        Assert.Equal([a.Id], lazy);
    }
}
