using Xunit;

namespace Cairn.Tests.Models;

public sealed class ModelQueryTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    private async Task<InputModel> ImportAsync(string project, string name, params string[] tags) =>
        await InputModel.ImportModelAsync($"https://example.invalid/{project}/{Guid.NewGuid():N}/{name}.pt", name: name, project: project, tags: tags, session: fixture.Session);

    [Fact]
    public async Task Tag_operators_select_models_newest_first_within_a_project()
    {
        var project = SdkServerFixture.UniqueProject("query");
        var a = await ImportAsync(project, "only-a", "a");
        var ab = await ImportAsync(project, "a-and-b", "a", "b");
        var c = await ImportAsync(project, "only-c", "c");
        await ImportAsync(SdkServerFixture.UniqueProject("other"), "elsewhere", "a");

        var anyA = await Model.QueryModelsAsync(project, tags: ["a"], session: fixture.Session);
        var aNotB = await Model.QueryModelsAsync(project, tags: ["a", "-b"], session: fixture.Session);
        var aAndB = await Model.QueryModelsAsync(project, tags: ["__$all", "a", "b"], session: fixture.Session);
        var notA = await Model.QueryModelsAsync(project, tags: ["__$not", "a"], session: fixture.Session);
        var all = await Model.QueryModelsAsync(project, session: fixture.Session);

        Assert.Equal([ab.Id, a.Id], anyA.Select(m => m.Id));
        Assert.Equal([a.Id], aNotB.Select(m => m.Id));
        Assert.Equal([ab.Id], aAndB.Select(m => m.Id));
        Assert.Equal([c.Id], notA.Select(m => m.Id));
        Assert.Equal([c.Id, ab.Id, a.Id], all.Select(m => m.Id));
        Assert.True(all.All(m => m.IsLoaded));
        Assert.Equal("a-and-b", anyA[0].Name);
    }

    [Fact]
    public async Task Name_publication_archive_metadata_and_max_results_narrow_a_query()
    {
        var project = SdkServerFixture.UniqueProject("narrow");
        var draft = await ImportAsync(project, "resnet (v2)");
        var published = await ImportAsync(project, "resnet (v2)");
        var archived = await ImportAsync(project, "resnet (v2)");
        await ImportAsync(project, "resnet (v2) copy");
        await published.PublishAsync();
        await archived.ArchiveAsync();
        await draft.SetMetadataAsync("dataset.version", "v3");

        var byName = await Model.QueryModelsAsync(project, "resnet (v2)", session: fixture.Session);
        var withArchived = await Model.QueryModelsAsync(project, "resnet (v2)", includeArchived: true, session: fixture.Session);
        var onlyPublished = await Model.QueryModelsAsync(project, "resnet (v2)", onlyPublished: true, session: fixture.Session);
        var byMetadata = await Model.QueryModelsAsync(project, metadata: new Dictionary<string, string> { ["dataset.version"] = "v3" }, session: fixture.Session);
        var newestOnly = await Model.QueryModelsAsync(project, maxResults: 1, session: fixture.Session);

        Assert.Equal([published.Id, draft.Id], byName.Select(m => m.Id));
        Assert.Equal([archived.Id, published.Id, draft.Id], withArchived.Select(m => m.Id));
        Assert.Equal([published.Id], onlyPublished.Select(m => m.Id));
        Assert.Equal([draft.Id], byMetadata.Select(m => m.Id));
        Assert.Single(newestOnly);
        Assert.True(archived.Archived);
        Assert.True(published.Published);
    }

    [Fact]
    public async Task A_query_pages_through_every_result()
    {
        var project = SdkServerFixture.UniqueProject("paging");
        for (var i = 0; i < 7; i++)
        {
            await ImportAsync(project, $"model-{i}");
        }
        var made = (await Model.QueryModelsAsync(project, session: fixture.Session)).Select(m => m.Id).ToList();

        var pages = new List<string>();
        await foreach (var model in Model.QueryAsync(fixture.Session, project, null, null, false, false, null, null, default, pageSize: 3))
        {
            pages.Add(model.Id!);
        }
        var capped = new List<string>();
        await foreach (var model in Model.QueryAsync(fixture.Session, project, null, null, false, false, 5, null, default, pageSize: 2))
        {
            capped.Add(model.Id!);
        }

        Assert.Equal(7, made.Distinct().Count());
        Assert.Equal(made, pages);
        Assert.Equal(made.Take(5), capped);
    }

    [Fact]
    public async Task A_query_on_a_missing_project_or_a_negative_limit_names_the_argument()
    {
        var project = await Assert.ThrowsAsync<ArgumentException>(() => Model.QueryModelsAsync("no-such-project-anywhere", session: fixture.Session));
        Assert.Equal("projectName", project.ParamName);
        var limit = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Model.QueryModelsAsync(maxResults: -1, session: fixture.Session));
        Assert.Equal("maxResults", limit.ParamName);
    }
}
