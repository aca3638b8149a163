using System.Text.Json.Nodes;
using Cairn.Models;
using Xunit;

namespace Cairn.Tests.Models;

public sealed class ModelTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    [Fact]
    public async Task A_model_by_id_is_loaded_lazily_and_shows_every_server_field()
    {
        var project = SdkServerFixture.UniqueProject("props");
        var imported = await InputModel.ImportModelAsync("https://example.invalid/w/net.onnx", configDict: new JsonObject { ["layers"] = 3 },
            labelEnumeration: new Dictionary<string, int> { ["cat"] = 1, ["dog"] = 2 }, name: "net", project: project, tags: ["x"],
            comment: "from the zoo", session: fixture.Session);

        var model = new Model(imported.Id, fixture.Session);
        Assert.False(model.IsLoaded);
        Assert.Throws<InvalidOperationException>(() => model.Name);
        await model.LoadAsync();

        Assert.Equal("net", model.Name);
        Assert.Equal("from the zoo", model.Comment);
        Assert.Equal(["x"], model.Tags);
        Assert.Empty(model.SystemTags);
        Assert.Equal(2, model.Labels["dog"]);
        Assert.Equal(3, model.ConfigDict!["layers"]!.GetValue<int>());
        Assert.Contains("layers", model.ConfigText);
        Assert.Equal("https://example.invalid/w/net.onnx", model.Url);
        Assert.Equal(Framework.Onnx, model.Framework);
        Assert.False(model.Published);
        Assert.False(model.Archived);
        Assert.NotNull(model.ProjectId);
        Assert.Null(model.OriginalTaskId);
        Assert.NotNull(model.Created);
        Assert.NotNull(model.LastUpdate);
    }

    [Fact]
    public async Task Metadata_is_written_read_back_and_cast_by_type()
    {
        var model = await InputModel.ImportModelAsync("https://example.invalid/meta.bin", name: "meta", session: fixture.Session);
        await model.SetMetadataAsync("epochs", 12);
        await model.SetMetadataAsync("lr", 0.001);
        await model.SetMetadataAsync("final", true);
        await model.SetMetadataAsync("classes", new[] { "cat", "dog" });
        await model.SetMetadataAsync("owner", "ana");

        var fresh = await Model.GetAsync(model.Id, fixture.Session);
        Assert.Equal("12", fresh.GetMetadata("epochs"));
        Assert.Equal(12L, fresh.GetMetadataCasted("epochs"));
        Assert.Equal(0.001, fresh.GetMetadataCasted("lr"));
        Assert.Equal(true, fresh.GetMetadataCasted("final"));
        Assert.Equal("dog", ((JsonArray)fresh.GetMetadataCasted("classes")!)[1]!.GetValue<string>());
        Assert.Equal("ana", fresh.GetMetadataCasted("owner"));
        Assert.Null(fresh.GetMetadata("missing"));
        Assert.Equal("int", fresh.GetAllMetadata()["epochs"].Type);

        await fresh.SetAllMetadataAsync([new ModelMetadataItem("only", "str", "this")], replace: true);
        Assert.Equal(["only"], (await Model.GetAsync(model.Id, fixture.Session)).GetAllMetadata().Keys);
        await fresh.SetAllMetadataAsync([new ModelMetadataItem("also", "int", "2")], replace: false);
        Assert.Equal(["also", "only"], (await Model.GetAsync(model.Id, fixture.Session)).GetAllMetadataCasted().Keys.Order());

        var badType = await Assert.ThrowsAsync<ArgumentException>(() => fresh.SetMetadataAsync("k", 1, "complex"));
        Assert.Equal("type", badType.ParamName);
    }

    [Fact]
    public async Task Publish_archive_unarchive_and_remove_change_the_server_model()
    {
        var model = await InputModel.ImportModelAsync("https://example.invalid/life.bin", name: "life", session: fixture.Session);
        await model.ArchiveAsync();
        Assert.True(model.Archived);
        await model.UnarchiveAsync();
        Assert.False(model.Archived);
        await model.PublishAsync();
        await model.PublishAsync();
        Assert.True((await Model.GetAsync(model.Id, fixture.Session)).Published);

        var removed = await new Model(model.Id, fixture.Session).RemoveAsync(deleteWeightsFile: false, force: true);
        Assert.True(removed);
        var gone = await Assert.ThrowsAsync<ClearMLRequestException>(() => Model.GetAsync(model.Id, fixture.Session));
        Assert.Equal(400, gone.ResultCode);
    }
}
