using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Core.Models;
using Cairn.Core.Tasks;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary>
/// <c>IModelStore</c> writes and reads and the <c>ITaskStore</c> part the models service uses;
/// <c>IModelStore.QueryAsync</c> in <c>ModelStoreContract.Query.cs</c>.
/// </summary>
public abstract partial class ModelStoreContract(IStoreProvider provider) : StoreContract(provider)
{
    private const string User = "user-1";
    private const string Editor = "user-2";
    private static readonly DateTimeOffset Later = Now.AddHours(1);

    // Stand-ins for md5(metric) and md5(variant), the keys of last_metrics.
    private const string LossHash = "3b8f3e2c3f1b4e0e9d2b6a1c5e7f9a0b";
    private const string TotalHash = "9a1b2c3d4e5f60718293a4b5c6d7e8f9";

    /// <summary>
    /// The <c>output.error</c> of a stored task, or null. The store's task API does not expose it
    /// yet, so each provider reads it from its own storage.
    /// </summary>
    protected abstract Task<string?> GetTaskOutputErrorAsync(string taskId);

    private static Model NewModel(string? id = null, string company = Company, string name = "sample model") => new()
    {
        Id = id ?? EntityId.New(),
        Company = company,
        Name = name,
        User = User,
        Created = Now,
        LastUpdate = Now,
    };

    private async Task<string> InsertAsync(Model model)
    {
        await Store.Models.InsertAsync(model);
        return model.Id;
    }

    private Task<string> InsertAsync(string company = Company, Func<Model, Model>? with = null)
    {
        var model = NewModel(company: company);
        return InsertAsync(with is null ? model : with(model));
    }

    private async Task<Model> GetAsync(string id, string company = Company) =>
        await Store.Models.GetByIdOrNullAsync(company, id) ?? throw new Xunit.Sdk.XunitException($"model {id} not found");

    private async Task<string> InsertTaskAsync(string status = TaskStatuses.Created, string company = Company)
    {
        var id = EntityId.New();
        await Provider.InsertTaskAsync(Store, new TaskRow(id, company, null, status));
        return id;
    }

    /// <summary>Lists a model on a task of either test company (the store writes only with the owner's company).</summary>
    private async Task LinkAsync(string taskId, bool output, string name, string modelId)
    {
        var item = new TaskModelItem(name, modelId, Now);
        Assert.True(await Store.Tasks.AddOrUpdateModelAsync(Company, taskId, output, item)
            || await Store.Tasks.AddOrUpdateModelAsync(OtherCompany, taskId, output, item));
    }

    private static void AssertJson(JsonNode? expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString() ?? "null"}, got {actual?.ToJsonString() ?? "null"}");

    private static Dictionary<string, MetadataItem> Metadata(params (string Key, string Type, string Value)[] items) =>
        items.ToDictionary(i => i.Key, i => new MetadataItem(i.Key, i.Type, i.Value));

    private static void AssertMetadata(IReadOnlyDictionary<string, MetadataItem> expected, IReadOnlyDictionary<string, MetadataItem> actual) =>
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.OrderBy(kv => kv.Key, StringComparer.Ordinal));

    // ---- insert and read back -----------------------------------------------------------------

    [Fact]
    public async Task Inserting_and_reading_back_keeps_every_field()
    {
        var metadata = Metadata(
            ("epochs", "int", "10"), ("lr.base", "float", "0.01"), ("_private", "str", "x"), ("cost$", "float", "1.5"),
            ("50%", "str", "half"), ("a__b", "str", "dunder"), ("%2E", "str", "pre-escaped look-alike"));
        var model = new Model
        {
            Id = EntityId.New(),
            Company = Company,
            CompanyOrigin = OtherCompany,
            Name = "full model",
            User = User,
            Created = Now.AddDays(-1),
            LastUpdate = Now.AddHours(-1),
            LastChange = Now.AddMinutes(-30),
            LastChangedBy = Editor,
            Task = EntityId.New(),
            Parent = EntityId.New(),
            Project = EntityId.New(),
            Comment = "a comment\nover two lines",
            Tags = ["b", "a", "b"],
            SystemTags = ["archived", "x", "archived"],
            Framework = "PyTorch",
            Design = new JsonObject { ["design"] = "layers: 3" },
            Labels = new Dictionary<string, int?> { ["cat"] = 1, ["dog"] = 2, ["background"] = null },
            Uri = "s3://bucket/models/model.pt",
            Ready = true,
            UiCache = new JsonObject { ["preview"] = new JsonObject { ["width"] = 640 } },
            Metadata = metadata,
            LastIteration = 42,
            LastMetrics = new JsonObject
            {
                [LossHash] = new JsonObject
                {
                    [TotalHash] = new JsonObject { ["metric"] = "loss", ["variant"] = "total", ["value"] = 0.25, ["min_value"] = 0.1, ["max_value"] = 2.5 },
                },
            },
        };

        await Store.Models.InsertAsync(model);
        var stored = await GetAsync(model.Id);

        Assert.Equal(model.Id, stored.Id);
        Assert.Equal(Company, stored.Company);
        Assert.Equal(OtherCompany, stored.CompanyOrigin);
        Assert.Equal("full model", stored.Name);
        Assert.Equal(User, stored.User);
        Assert.Equal(model.Created, stored.Created);
        Assert.Equal(model.LastUpdate, stored.LastUpdate);
        Assert.Equal(model.LastChange, stored.LastChange);
        Assert.Equal(Editor, stored.LastChangedBy);
        Assert.Equal(model.Task, stored.Task);
        Assert.Equal(model.Parent, stored.Parent);
        Assert.Equal(model.Project, stored.Project);
        Assert.Equal(model.Comment, stored.Comment);
        Assert.Equal(["a", "b"], stored.Tags);
        Assert.Equal(["archived", "x"], stored.SystemTags);
        Assert.True(stored.Archived);
        Assert.Equal("PyTorch", stored.Framework);
        AssertJson(model.Design, stored.Design);
        Assert.Equal(model.Labels.OrderBy(kv => kv.Key), stored.Labels?.OrderBy(kv => kv.Key));
        Assert.Equal(model.Uri, stored.Uri);
        Assert.True(stored.Ready);
        AssertJson(model.UiCache, stored.UiCache);
        AssertMetadata(metadata, stored.Metadata);
        Assert.Equal(42, stored.LastIteration);
        AssertJson(model.LastMetrics, stored.LastMetrics);
    }

    [Fact]
    public async Task Optional_fields_that_were_not_set_read_back_unset()
    {
        var id = await InsertAsync(NewModel());

        var stored = await GetAsync(id);

        Assert.Null(stored.CompanyOrigin);
        Assert.Null(stored.LastChange);
        Assert.Null(stored.LastChangedBy);
        Assert.Null(stored.Task);
        Assert.Null(stored.Parent);
        Assert.Null(stored.Project);
        Assert.Null(stored.Comment);
        Assert.Null(stored.Framework);
        Assert.Null(stored.Design);
        Assert.Null(stored.Labels);
        Assert.Null(stored.UiCache);
        Assert.Null(stored.LastMetrics);
        Assert.Equal("", stored.Uri);
        Assert.False(stored.Ready);
        Assert.Empty(stored.Tags);
        Assert.Empty(stored.SystemTags);
        Assert.False(stored.Archived);
        Assert.Empty(stored.Metadata);
        Assert.Equal(0, stored.LastIteration);
    }

    [Fact]
    public async Task Tags_are_stored_in_ordinal_order_without_duplicates()
    {
        var id = await InsertAsync(with: m => m with { Tags = ["b", "B", "a", "a", "_x", "b"], SystemTags = ["z", "archived", "z"] });

        var stored = await GetAsync(id);

        Assert.Equal(["B", "_x", "a", "b"], stored.Tags);
        Assert.Equal(["archived", "z"], stored.SystemTags);
    }

    // ---- company scoping ----------------------------------------------------------------------

    [Fact]
    public async Task Get_by_id_sees_own_and_public_models_but_not_another_companys()
    {
        var own = await InsertAsync();
        var shared = await InsertAsync(PublicCompany);
        var foreign = await InsertAsync(OtherCompany);

        Assert.Equal(own, (await Store.Models.GetByIdOrNullAsync(Company, own))?.Id);
        Assert.Equal(shared, (await Store.Models.GetByIdOrNullAsync(Company, shared))?.Id);
        Assert.Equal(shared, (await Store.Models.GetByIdOrNullAsync(OtherCompany, shared))?.Id);
        Assert.Null(await Store.Models.GetByIdOrNullAsync(Company, foreign));
        Assert.Null(await Store.Models.GetByIdOrNullAsync(OtherCompany, own));
        Assert.Null(await Store.Models.GetByIdOrNullAsync(Company, EntityId.New()));
    }

    // ---- update -------------------------------------------------------------------------------

    /// <summary>A write of one field, by its ClearML name.</summary>
    private static ModelChanges ChangeOf(string field) => field switch
    {
        "uri" => new() { Uri = "s3://bucket/new.pt" },
        "framework" => new() { Framework = "TensorFlow" },
        "design" => new() { Design = new JsonObject { ["design"] = "new" } },
        "labels" => new() { Labels = new Dictionary<string, int?> { ["cat"] = 7 } },
        "ready" => new() { Ready = true },
        "metadata" => new() { Metadata = Metadata(("k", "str", "v")) },
        "tags" => new() { Tags = ["t"] },
        "system_tags" => new() { SystemTags = ["s"] },
        "name" => new() { Name = "renamed model" },
        "comment" => new() { Comment = "new comment" },
        "project" => new() { Project = "0000000000000000000000000000000a" },
        "parent" => new() { Parent = "0000000000000000000000000000000b" },
        "task" => new() { Task = "0000000000000000000000000000000c" },
        "created" => new() { Created = Now.AddDays(-3) },
        "ui_cache" => new() { UiCache = new JsonObject { ["x"] = 1 } },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    /// <summary>api.md §3.1: last_update moves for uri, framework, design, labels, ready, metadata, tags, system_tags.</summary>
    [Theory]
    [InlineData("uri")]
    [InlineData("framework")]
    [InlineData("design")]
    [InlineData("labels")]
    [InlineData("ready")]
    [InlineData("metadata")]
    [InlineData("tags")]
    [InlineData("system_tags")]
    public async Task Writing_a_content_field_bumps_last_update(string field)
    {
        var id = await InsertAsync();

        Assert.True(await Store.Models.UpdateAsync(Company, id, ChangeOf(field), Later, Editor));

        var stored = await GetAsync(id);
        Assert.Equal(Later, stored.LastUpdate);
        Assert.Equal(Later, stored.LastChange);
        Assert.Equal(Editor, stored.LastChangedBy);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("comment")]
    [InlineData("project")]
    [InlineData("parent")]
    [InlineData("task")]
    [InlineData("created")]
    [InlineData("ui_cache")]
    public async Task Writing_any_other_field_keeps_last_update_but_stamps_last_change(string field)
    {
        var id = await InsertAsync();

        Assert.True(await Store.Models.UpdateAsync(Company, id, ChangeOf(field), Later, Editor));

        var stored = await GetAsync(id);
        Assert.Equal(Now, stored.LastUpdate);
        Assert.Equal(Later, stored.LastChange);
        Assert.Equal(Editor, stored.LastChangedBy);
    }

    [Fact]
    public async Task Update_writes_the_given_fields_and_leaves_the_others()
    {
        var id = await InsertAsync(with: m => m with
        {
            Comment = "keep me",
            Framework = "Keras",
            Tags = ["old"],
            Metadata = Metadata(("a", "str", "1"), ("b", "str", "2")),
            Labels = new Dictionary<string, int?> { ["cat"] = 1 },
        });
        var changes = new ModelChanges
        {
            Name = "renamed model",
            Tags = ["z", "y", "z"],
            Design = new JsonObject { ["design"] = "v2" },
            Metadata = Metadata(("c", "int", "3")),
            Ready = true,
            Created = Now.AddDays(-2),
        };

        Assert.True(await Store.Models.UpdateAsync(Company, id, changes, Later, Editor));

        var stored = await GetAsync(id);
        Assert.Equal("renamed model", stored.Name);
        Assert.Equal(["y", "z"], stored.Tags);
        AssertJson(new JsonObject { ["design"] = "v2" }, stored.Design);
        // Whole fields are replaced, not merged.
        AssertMetadata(Metadata(("c", "int", "3")), stored.Metadata);
        Assert.True(stored.Ready);
        Assert.Equal(Now.AddDays(-2), stored.Created);
        Assert.Equal("keep me", stored.Comment);
        Assert.Equal("Keras", stored.Framework);
        Assert.Equal(new Dictionary<string, int?> { ["cat"] = 1 }, stored.Labels);
        Assert.Equal(User, stored.User);
    }

    [Fact]
    public async Task Writing_the_uri_resets_the_ui_cache()
    {
        var id = await InsertAsync(with: m => m with { UiCache = new JsonObject { ["stale"] = true } });

        await Store.Models.UpdateAsync(Company, id, new ModelChanges { Uri = "s3://bucket/v2.pt" }, Later, Editor);

        var stored = await GetAsync(id);
        Assert.Equal("s3://bucket/v2.pt", stored.Uri);
        AssertJson(new JsonObject(), stored.UiCache);
    }

    [Fact]
    public async Task Writing_the_uri_together_with_a_ui_cache_keeps_the_given_ui_cache()
    {
        var id = await InsertAsync(with: m => m with { UiCache = new JsonObject { ["stale"] = true } });

        await Store.Models.UpdateAsync(Company, id, new ModelChanges { Uri = "s3://bucket/v2.pt", UiCache = new JsonObject { ["fresh"] = 1 } }, Later, Editor);

        AssertJson(new JsonObject { ["fresh"] = 1 }, (await GetAsync(id)).UiCache);
    }

    [Fact]
    public async Task Writing_other_fields_keeps_the_ui_cache()
    {
        var id = await InsertAsync(with: m => m with { Uri = "s3://bucket/v1.pt", UiCache = new JsonObject { ["kept"] = true } });

        await Store.Models.UpdateAsync(Company, id, new ModelChanges { Name = "renamed model", Framework = "ONNX" }, Later, Editor);

        var stored = await GetAsync(id);
        AssertJson(new JsonObject { ["kept"] = true }, stored.UiCache);
        Assert.Equal("s3://bucket/v1.pt", stored.Uri);
    }

    [Fact]
    public async Task Only_if_not_ready_writes_a_model_that_is_not_ready()
    {
        var id = await InsertAsync(with: m => m with { Ready = false });

        Assert.True(await Store.Models.UpdateAsync(Company, id, new ModelChanges { Ready = true }, Later, Editor, onlyIfNotReady: true));

        Assert.True((await GetAsync(id)).Ready);
    }

    [Fact]
    public async Task Only_if_not_ready_leaves_a_ready_model_as_it_is()
    {
        var id = await InsertAsync(with: m => m with { Ready = true, Comment = "before" });

        Assert.False(await Store.Models.UpdateAsync(Company, id, new ModelChanges { Ready = true, Comment = "after" }, Later, Editor, onlyIfNotReady: true));

        var stored = await GetAsync(id);
        Assert.Equal("before", stored.Comment);
        Assert.Equal(Now, stored.LastUpdate);
        Assert.Null(stored.LastChange);
    }

    [Fact]
    public async Task Only_if_not_ready_lets_exactly_one_of_two_racing_publishes_win()
    {
        var id = await InsertAsync(with: m => m with { Ready = false });

        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => Task.Run(() =>
            Store.Models.UpdateAsync(Company, id, new ModelChanges { Ready = true, Comment = $"publisher {i}" }, Later, Editor, onlyIfNotReady: true))));

        Assert.Single(results, won => won);
    }

    [Fact]
    public async Task Updating_a_missing_public_or_another_companys_model_changes_nothing()
    {
        var shared = await InsertAsync(PublicCompany);
        var foreign = await InsertAsync(OtherCompany);
        var changes = new ModelChanges { Name = "hijacked", Uri = "s3://evil" };

        Assert.False(await Store.Models.UpdateAsync(Company, EntityId.New(), changes, Later, Editor));
        Assert.False(await Store.Models.UpdateAsync(Company, shared, changes, Later, Editor));
        Assert.False(await Store.Models.UpdateAsync(Company, foreign, changes, Later, Editor));

        Assert.Equal("sample model", (await GetAsync(shared)).Name);
        var theirs = await GetAsync(foreign, OtherCompany);
        Assert.Equal("sample model", theirs.Name);
        Assert.Equal("", theirs.Uri);
    }

    // ---- metadata -----------------------------------------------------------------------------

    [Fact]
    public async Task Set_metadata_upserts_by_key_and_keeps_the_other_keys()
    {
        var id = await InsertAsync(with: m => m with { Metadata = Metadata(("a", "str", "1"), ("lr.base", "float", "0.1")) });

        var updated = await Store.Models.SetMetadataAsync(Company, id,
            [new MetadataItem("lr.base", "float", "0.2"), new MetadataItem("_new", "int", "3")], replace: false, Later, Editor);

        Assert.True(updated);
        var stored = await GetAsync(id);
        AssertMetadata(Metadata(("a", "str", "1"), ("lr.base", "float", "0.2"), ("_new", "int", "3")), stored.Metadata);
        Assert.Equal(Later, stored.LastUpdate);
        Assert.Equal(Later, stored.LastChange);
        Assert.Equal(Editor, stored.LastChangedBy);
    }

    [Fact]
    public async Task Set_metadata_with_replace_sets_the_whole_map()
    {
        var id = await InsertAsync(with: m => m with { Metadata = Metadata(("a", "str", "1"), ("b", "str", "2")) });

        Assert.True(await Store.Models.SetMetadataAsync(Company, id, [new MetadataItem("b", "int", "20"), new MetadataItem("c", "str", "3")], replace: true, Later, Editor));

        AssertMetadata(Metadata(("b", "int", "20"), ("c", "str", "3")), (await GetAsync(id)).Metadata);
    }

    [Fact]
    public async Task Set_metadata_on_a_missing_public_or_another_companys_model_returns_false()
    {
        var shared = await InsertAsync(PublicCompany);
        var foreign = await InsertAsync(OtherCompany);
        MetadataItem[] items = [new("k", "str", "v")];

        Assert.False(await Store.Models.SetMetadataAsync(Company, EntityId.New(), items, false, Later, Editor));
        Assert.False(await Store.Models.SetMetadataAsync(Company, shared, items, false, Later, Editor));
        Assert.False(await Store.Models.SetMetadataAsync(Company, foreign, items, true, Later, Editor));

        Assert.Empty((await GetAsync(shared)).Metadata);
        Assert.Empty((await GetAsync(foreign, OtherCompany)).Metadata);
    }

    [Fact]
    public async Task Delete_metadata_removes_the_given_keys_whatever_their_escaping()
    {
        var id = await InsertAsync(with: m => m with { Metadata = Metadata(("a", "str", "1"), ("lr.base", "float", "0.1"), ("_private", "str", "p"), ("keep", "str", "k")) });

        var removed = await Store.Models.DeleteMetadataAsync(Company, id, ["a", "lr.base", "_private", "never-there"], Later, Editor);

        Assert.True(removed);
        var stored = await GetAsync(id);
        AssertMetadata(Metadata(("keep", "str", "k")), stored.Metadata);
        Assert.Equal(Later, stored.LastUpdate);
        Assert.Equal(Editor, stored.LastChangedBy);
    }

    [Fact]
    public async Task Delete_metadata_of_keys_the_model_does_not_have_returns_false_and_keeps_the_map()
    {
        var id = await InsertAsync(with: m => m with { Metadata = Metadata(("a", "str", "1")) });

        Assert.False(await Store.Models.DeleteMetadataAsync(Company, id, ["b", "a.b"], Later, Editor));

        AssertMetadata(Metadata(("a", "str", "1")), (await GetAsync(id)).Metadata);
    }

    [Fact]
    public async Task Delete_metadata_on_a_missing_public_or_another_companys_model_returns_null()
    {
        var shared = await InsertAsync(PublicCompany, m => m with { Metadata = Metadata(("a", "str", "1")) });
        var foreign = await InsertAsync(OtherCompany, m => m with { Metadata = Metadata(("a", "str", "1")) });

        Assert.Null(await Store.Models.DeleteMetadataAsync(Company, EntityId.New(), ["a"], Later, Editor));
        Assert.Null(await Store.Models.DeleteMetadataAsync(Company, shared, ["a"], Later, Editor));
        Assert.Null(await Store.Models.DeleteMetadataAsync(Company, foreign, ["a"], Later, Editor));

        Assert.Single((await GetAsync(shared)).Metadata);
        Assert.Single((await GetAsync(foreign, OtherCompany)).Metadata);
    }

    [Fact]
    public async Task Concurrent_metadata_upserts_of_different_keys_all_survive()
    {
        var id = await InsertAsync();
        var keys = Enumerable.Range(0, 8).Select(i => $"key.{i}").ToList();

        await Task.WhenAll(keys.Select(key => Task.Run(() =>
            Store.Models.SetMetadataAsync(Company, id, [new MetadataItem(key, "str", key)], replace: false, Later, Editor))));

        Assert.Equal(keys, (await GetAsync(id)).Metadata.Keys.Order(StringComparer.Ordinal));
    }

    // ---- tags ---------------------------------------------------------------------------------

    [Fact]
    public async Task Update_tags_adds_then_removes_on_every_given_model()
    {
        var first = await InsertAsync(with: m => m with { Tags = ["old", "keep"], SystemTags = ["sys"] });
        var second = await InsertAsync(with: m => m with { Tags = ["keep"] });
        var untouched = await InsertAsync(with: m => m with { Tags = ["old"] });

        var added = await Store.Models.UpdateTagsAsync(Company, [first, second], ["new", "a-new"], [], systemTags: false, Later, Editor);
        var removed = await Store.Models.UpdateTagsAsync(Company, [first, second], [], ["old", "absent"], systemTags: false, Later, Editor);

        Assert.Equal(2, added);
        Assert.Equal(2, removed);
        var one = await GetAsync(first);
        Assert.Equal(["a-new", "keep", "new"], one.Tags);
        Assert.Equal(["sys"], one.SystemTags);
        Assert.Equal(Later, one.LastUpdate);
        Assert.Equal(Editor, one.LastChangedBy);
        Assert.Equal(["a-new", "keep", "new"], (await GetAsync(second)).Tags);
        var other = await GetAsync(untouched);
        Assert.Equal(["old"], other.Tags);
        Assert.Equal(Now, other.LastUpdate);
    }

    [Fact]
    public async Task Update_tags_of_system_tags_leaves_the_tags()
    {
        var id = await InsertAsync(with: m => m with { Tags = ["archived"], SystemTags = ["x"] });

        Assert.Equal(1, await Store.Models.UpdateTagsAsync(Company, [id], [Model.ArchivedTag], ["x"], systemTags: true, Later, Editor));

        var stored = await GetAsync(id);
        Assert.Equal([Model.ArchivedTag], stored.SystemTags);
        Assert.True(stored.Archived);
        Assert.Equal(["archived"], stored.Tags);
    }

    [Fact]
    public async Task Update_tags_skips_missing_public_and_another_companys_models()
    {
        var own = await InsertAsync();
        var shared = await InsertAsync(PublicCompany);
        var foreign = await InsertAsync(OtherCompany);

        var updated = await Store.Models.UpdateTagsAsync(Company, [own, shared, foreign, EntityId.New()], ["t"], [], systemTags: false, Later, Editor);

        Assert.Equal(1, updated);
        Assert.Equal(["t"], (await GetAsync(own)).Tags);
        Assert.Empty((await GetAsync(shared)).Tags);
        Assert.Empty((await GetAsync(foreign, OtherCompany)).Tags);
    }

    [Fact]
    public async Task Concurrent_tag_additions_to_the_same_model_all_survive()
    {
        var id = await InsertAsync();
        var tags = Enumerable.Range(0, 8).Select(i => $"tag-{i}").ToList();

        await Task.WhenAll(tags.Select(tag => Task.Run(() =>
            Store.Models.UpdateTagsAsync(Company, [id], [tag], [], systemTags: false, Later, Editor))));

        Assert.Equal(tags, (await GetAsync(id)).Tags);
    }

    // ---- move ---------------------------------------------------------------------------------

    [Fact]
    public async Task Move_sets_the_project_of_the_companys_models_only()
    {
        const string target = "0000000000000000000000000000000a";
        var first = await InsertAsync();
        var second = await InsertAsync(with: m => m with { Project = "0000000000000000000000000000000b" });
        var shared = await InsertAsync(PublicCompany);
        var foreign = await InsertAsync(OtherCompany);

        var moved = await Store.Models.MoveAsync(Company, [first, second, shared, foreign, EntityId.New()], target, Later, Editor);

        Assert.Equal(2, moved);
        var one = await GetAsync(first);
        Assert.Equal(target, one.Project);
        Assert.Equal(Later, one.LastChange);
        Assert.Equal(Editor, one.LastChangedBy);
        // A move is not a content change (api.md §3.1).
        Assert.Equal(Now, one.LastUpdate);
        Assert.Equal(target, (await GetAsync(second)).Project);
        Assert.Null((await GetAsync(shared)).Project);
        Assert.Null((await GetAsync(foreign, OtherCompany)).Project);
    }

    [Fact]
    public async Task Moving_to_no_project_moves_to_the_root()
    {
        var id = await InsertAsync(with: m => m with { Project = "0000000000000000000000000000000b" });

        Assert.Equal(1, await Store.Models.MoveAsync(Company, [id], null, Later, Editor));

        Assert.Null((await GetAsync(id)).Project);
    }

    // ---- public / private ---------------------------------------------------------------------

    [Fact]
    public async Task Making_models_public_shows_them_to_every_company_and_keeps_the_owner_as_company_origin()
    {
        var first = await InsertAsync();
        var second = await InsertAsync();

        var refused = await Store.Models.SetPublicAsync(Company, [first, second, first], makePublic: true, Later);

        Assert.Empty(refused);
        foreach (var id in new[] { first, second })
        {
            var stored = await GetAsync(id, OtherCompany);
            Assert.Equal(PublicCompany, stored.Company);
            Assert.Equal(Company, stored.CompanyOrigin);
            Assert.Equal(PublicCompany, (await GetAsync(id)).Company);
        }
    }

    [Fact]
    public async Task A_public_model_can_no_longer_be_written_by_the_company_that_owned_it()
    {
        var id = await InsertAsync();
        await Store.Models.SetPublicAsync(Company, [id], makePublic: true, Later);

        Assert.False(await Store.Models.UpdateAsync(Company, id, new ModelChanges { Name = "renamed model" }, Later, Editor));
        Assert.Equal(0, await Store.Models.UpdateTagsAsync(Company, [id], ["t"], [], false, Later, Editor));
        Assert.Equal(ModelDeleteOutcome.NotFound, (await Store.Models.DeleteAsync(Company, id, force: true, Later)).Outcome);
    }

    [Fact]
    public async Task Making_public_models_private_returns_them_to_the_company()
    {
        var id = await InsertAsync();
        await Store.Models.SetPublicAsync(Company, [id], makePublic: true, Later);

        var refused = await Store.Models.SetPublicAsync(Company, [id], makePublic: false, Later);

        Assert.Empty(refused);
        Assert.Equal(Company, (await GetAsync(id)).Company);
        Assert.Null(await Store.Models.GetByIdOrNullAsync(OtherCompany, id));
        Assert.True(await Store.Models.UpdateAsync(Company, id, new ModelChanges { Name = "mine again" }, Later, Editor));
    }

    [Fact]
    public async Task Making_models_public_is_all_or_nothing()
    {
        var own = await InsertAsync();
        var foreign = await InsertAsync(OtherCompany);
        var missing = EntityId.New();

        var refused = await Store.Models.SetPublicAsync(Company, [own, foreign, missing], makePublic: true, Later);

        Assert.Equal(new[] { foreign, missing }.Order(StringComparer.Ordinal), refused.Order(StringComparer.Ordinal));
        var stillOwn = await GetAsync(own);
        Assert.Equal(Company, stillOwn.Company);
        Assert.Null(stillOwn.CompanyOrigin);
        Assert.Null(await Store.Models.GetByIdOrNullAsync(OtherCompany, own));
    }

    [Fact]
    public async Task Only_the_company_a_public_model_came_from_can_make_it_private()
    {
        var theirs = await InsertAsync(OtherCompany);
        await Store.Models.SetPublicAsync(OtherCompany, [theirs], makePublic: true, Later);
        var mine = await InsertAsync();
        await Store.Models.SetPublicAsync(Company, [mine], makePublic: true, Later);

        var refused = await Store.Models.SetPublicAsync(Company, [mine, theirs], makePublic: false, Later);

        Assert.Equal([theirs], refused);
        Assert.Equal(PublicCompany, (await GetAsync(theirs)).Company);
        Assert.Equal(PublicCompany, (await GetAsync(mine)).Company);
    }

    // ---- delete -------------------------------------------------------------------------------

    [Fact]
    public async Task Deleting_an_unused_model_removes_it_and_returns_its_uri()
    {
        var id = await InsertAsync(with: m => m with { Uri = "https://files.example/model.pt" });
        var kept = await InsertAsync();

        var result = await Store.Models.DeleteAsync(Company, id, force: false, Later);

        Assert.Equal(new ModelDeleteResult(ModelDeleteOutcome.Deleted, "https://files.example/model.pt"), result);
        Assert.Null(await Store.Models.GetByIdOrNullAsync(Company, id));
        Assert.NotNull(await Store.Models.GetByIdOrNullAsync(Company, kept));
    }

    [Fact]
    public async Task Deleting_a_missing_public_or_another_companys_model_is_NotFound()
    {
        var shared = await InsertAsync(PublicCompany);
        var foreign = await InsertAsync(OtherCompany);

        Assert.Equal(ModelDeleteOutcome.NotFound, (await Store.Models.DeleteAsync(Company, EntityId.New(), force: true, Later)).Outcome);
        Assert.Equal(ModelDeleteOutcome.NotFound, (await Store.Models.DeleteAsync(Company, shared, force: true, Later)).Outcome);
        Assert.Equal(ModelDeleteOutcome.NotFound, (await Store.Models.DeleteAsync(Company, foreign, force: true, Later)).Outcome);
        Assert.NotNull(await Store.Models.GetByIdOrNullAsync(Company, shared));
        Assert.NotNull(await Store.Models.GetByIdOrNullAsync(OtherCompany, foreign));
    }

    [Fact]
    public async Task A_model_that_tasks_use_as_input_is_InUse_without_force_and_stays()
    {
        var id = await InsertAsync();
        var mine = await InsertTaskAsync();
        var theirs = await InsertTaskAsync(company: OtherCompany);
        var outputOnly = await InsertTaskAsync();
        await LinkAsync(mine, output: false, "Input Model", id);
        await LinkAsync(mine, output: false, "Second Input", id);
        await LinkAsync(theirs, output: false, "Input Model", id);
        await LinkAsync(outputOnly, output: true, "Output Model", id);

        var result = await Store.Models.DeleteAsync(Company, id, force: false, Later);

        Assert.Equal(ModelDeleteOutcome.InUse, result.Outcome);
        Assert.Equal(2, result.TasksUsing);
        Assert.NotNull(await Store.Models.GetByIdOrNullAsync(Company, id));
        Assert.Equal([id, id], (await Store.Tasks.GetModelsAsync(Company, mine, output: false)).Select(m => m.Model));
        Assert.Equal([id], (await Store.Tasks.GetModelsAsync(Company, outputOnly, output: true)).Select(m => m.Model));
    }

    [Fact]
    public async Task Force_deletes_a_model_in_use_and_marks_the_input_references_deleted()
    {
        var id = await InsertAsync(with: m => m with { Uri = "s3://bucket/in-use.pt" });
        var other = await InsertAsync();
        var mine = await InsertTaskAsync(TaskStatuses.Completed);
        var theirs = await InsertTaskAsync(company: OtherCompany);
        await LinkAsync(mine, output: false, "Input Model", id);
        await LinkAsync(mine, output: false, "Other Input", other);
        await LinkAsync(theirs, output: false, "Input Model", id);

        var result = await Store.Models.DeleteAsync(Company, id, force: true, Later);

        Assert.Equal(new ModelDeleteResult(ModelDeleteOutcome.Deleted, "s3://bucket/in-use.pt"), result);
        Assert.Null(await Store.Models.GetByIdOrNullAsync(Company, id));
        var deleted = Model.DeletedPrefix + id;
        Assert.Equal([("Input Model", deleted), ("Other Input", other)], (await Store.Tasks.GetModelsAsync(Company, mine, output: false)).Select(m => (m.Name, m.Model)));
        Assert.Equal([deleted], (await Store.Tasks.GetModelsAsync(OtherCompany, theirs, output: false)).Select(m => m.Model));
    }

    [Fact]
    public async Task A_published_creating_task_blocks_the_delete_without_force()
    {
        var task = await InsertTaskAsync(TaskStatuses.Published);
        var id = await InsertAsync(with: m => m with { Task = task });
        await LinkAsync(task, output: true, "Output Model", id);

        var result = await Store.Models.DeleteAsync(Company, id, force: false, Later);

        Assert.Equal(ModelDeleteOutcome.CreatingTaskPublished, result.Outcome);
        Assert.NotNull(await Store.Models.GetByIdOrNullAsync(Company, id));
        Assert.Equal([id], (await Store.Tasks.GetModelsAsync(Company, task, output: true)).Select(m => m.Model));
        Assert.Null(await GetTaskOutputErrorAsync(task));
    }

    [Fact]
    public async Task Force_deletes_a_model_of_a_published_task_and_marks_the_tasks_output_reference_and_error()
    {
        var task = await InsertTaskAsync(TaskStatuses.Published);
        var id = await InsertAsync(with: m => m with { Task = task });
        var sibling = await InsertAsync(with: m => m with { Task = task });
        await LinkAsync(task, output: true, "Output Model", id);
        await LinkAsync(task, output: true, "Best Model", sibling);

        var result = await Store.Models.DeleteAsync(Company, id, force: true, Later);

        Assert.Equal(ModelDeleteOutcome.Deleted, result.Outcome);
        Assert.Null(await Store.Models.GetByIdOrNullAsync(Company, id));
        Assert.Equal(
            [("Output Model", Model.DeletedPrefix + id), ("Best Model", sibling)],
            (await Store.Tasks.GetModelsAsync(Company, task, output: true)).Select(m => (m.Name, m.Model)));
        var error = await GetTaskOutputErrorAsync(task);
        Assert.NotNull(error);
        Assert.StartsWith("model deleted on 2025-06-01T13:00:00", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TaskStatuses.Created)]
    [InlineData(TaskStatuses.InProgress)]
    [InlineData(TaskStatuses.Completed)]
    [InlineData(TaskStatuses.Failed)]
    public async Task Deleting_a_model_of_an_unpublished_task_removes_only_its_output_entry(string status)
    {
        var task = await InsertTaskAsync(status);
        var first = await InsertAsync(with: m => m with { Task = task });
        var id = await InsertAsync(with: m => m with { Task = task });
        var last = await InsertAsync(with: m => m with { Task = task });
        await LinkAsync(task, output: true, "First", first);
        await LinkAsync(task, output: true, "Output Model", id);
        await LinkAsync(task, output: true, "Last", last);

        var result = await Store.Models.DeleteAsync(Company, id, force: false, Later);

        Assert.Equal(ModelDeleteOutcome.Deleted, result.Outcome);
        Assert.Equal([("First", first), ("Last", last)], (await Store.Tasks.GetModelsAsync(Company, task, output: true)).Select(m => (m.Name, m.Model)));
        Assert.Null(await GetTaskOutputErrorAsync(task));
    }

    [Fact]
    public async Task A_deleted_or_missing_creating_task_does_not_block_the_delete()
    {
        var orphan = await InsertAsync(with: m => m with { Task = EntityId.New() });
        var marked = await InsertAsync(with: m => m with { Task = Model.DeletedPrefix + EntityId.New() });

        Assert.Equal(ModelDeleteOutcome.Deleted, (await Store.Models.DeleteAsync(Company, orphan, force: false, Later)).Outcome);
        Assert.Equal(ModelDeleteOutcome.Deleted, (await Store.Models.DeleteAsync(Company, marked, force: false, Later)).Outcome);
    }

    [Fact]
    public async Task Input_use_is_checked_before_the_published_creating_task()
    {
        var creator = await InsertTaskAsync(TaskStatuses.Published);
        var consumer = await InsertTaskAsync();
        var id = await InsertAsync(with: m => m with { Task = creator });
        await LinkAsync(creator, output: true, "Output Model", id);
        await LinkAsync(consumer, output: false, "Input Model", id);

        var result = await Store.Models.DeleteAsync(Company, id, force: false, Later);

        Assert.Equal(ModelDeleteOutcome.InUse, result.Outcome);
        Assert.Equal(1, result.TasksUsing);
    }

    [Fact]
    public async Task A_refused_delete_changes_nothing_on_the_tasks()
    {
        var creator = await InsertTaskAsync(TaskStatuses.Published);
        var id = await InsertAsync(with: m => m with { Task = creator });
        var consumer = await InsertTaskAsync();
        await LinkAsync(creator, output: true, "Output Model", id);
        await LinkAsync(creator, output: false, "Input Model", id);
        await LinkAsync(consumer, output: false, "Input Model", id);

        await Store.Models.DeleteAsync(Company, id, force: false, Later);

        Assert.Equal([id], (await Store.Tasks.GetModelsAsync(Company, consumer, output: false)).Select(m => m.Model));
        Assert.Equal([id], (await Store.Tasks.GetModelsAsync(Company, creator, output: true)).Select(m => m.Model));
        Assert.Null(await GetTaskOutputErrorAsync(creator));
    }

    // ---- tasks --------------------------------------------------------------------------------

    [Fact]
    public async Task Task_info_is_visible_for_own_and_public_tasks_only()
    {
        var own = await InsertTaskAsync(TaskStatuses.InProgress);
        var shared = await InsertTaskAsync(company: PublicCompany);
        var foreign = await InsertTaskAsync(company: OtherCompany);

        var info = await Store.Tasks.GetInfoOrNullAsync(Company, own);

        Assert.NotNull(info);
        Assert.Equal(own, info.Id);
        Assert.Equal(Company, info.Company);
        Assert.Equal(TaskStatuses.InProgress, info.Status);
        Assert.Null(info.Project);
        Assert.Equal(0, info.LastIteration);
        Assert.Equal(PublicCompany, (await Store.Tasks.GetInfoOrNullAsync(Company, shared))?.Company);
        Assert.Null(await Store.Tasks.GetInfoOrNullAsync(Company, foreign));
        Assert.Null(await Store.Tasks.GetInfoOrNullAsync(Company, EntityId.New()));
    }

    [Fact]
    public async Task Raising_the_last_iteration_only_ever_raises_it()
    {
        var task = await InsertTaskAsync();

        async Task<long> RaiseAsync(long iteration)
        {
            await Store.Tasks.RaiseLastIterationAsync(Company, task, iteration, Later);
            return (await Store.Tasks.GetInfoOrNullAsync(Company, task))!.LastIteration;
        }

        Assert.Equal(10, await RaiseAsync(10));
        Assert.Equal(10, await RaiseAsync(5));
        Assert.Equal(10, await RaiseAsync(10));
        Assert.Equal(10, await RaiseAsync(-1));
        Assert.Equal(20, await RaiseAsync(20));
    }

    [Fact]
    public async Task Raising_the_last_iteration_of_another_companys_task_changes_nothing()
    {
        var foreign = await InsertTaskAsync(company: OtherCompany);

        await Store.Tasks.RaiseLastIterationAsync(Company, foreign, 100, Later);

        Assert.Equal(0, (await Store.Tasks.GetInfoOrNullAsync(OtherCompany, foreign))!.LastIteration);
    }

    [Fact]
    public async Task Change_status_is_a_compare_and_set_on_the_old_status()
    {
        var task = await InsertTaskAsync(TaskStatuses.Completed);

        var stale = await Store.Tasks.ChangeStatusAsync(Company, task,
            new TaskStatusChange(TaskStatuses.InProgress, TaskStatuses.Published, "reason", "message", Later, Editor));
        Assert.False(stale);
        Assert.Equal(TaskStatuses.Completed, (await Store.Tasks.GetInfoOrNullAsync(Company, task))!.Status);

        var current = await Store.Tasks.ChangeStatusAsync(Company, task,
            new TaskStatusChange(TaskStatuses.Completed, TaskStatuses.Published, "reason", "message", Later, Editor));
        Assert.True(current);
        Assert.Equal(TaskStatuses.Published, (await Store.Tasks.GetInfoOrNullAsync(Company, task))!.Status);
    }

    [Fact]
    public async Task Change_status_of_another_companys_or_a_missing_task_returns_false()
    {
        var foreign = await InsertTaskAsync(company: OtherCompany);
        var change = new TaskStatusChange(TaskStatuses.Created, TaskStatuses.InProgress, null, null, Later, Editor);

        Assert.False(await Store.Tasks.ChangeStatusAsync(Company, foreign, change));
        Assert.False(await Store.Tasks.ChangeStatusAsync(Company, EntityId.New(), change));
        Assert.Equal(TaskStatuses.Created, (await Store.Tasks.GetInfoOrNullAsync(OtherCompany, foreign))!.Status);
    }

    [Fact]
    public async Task Only_one_of_two_racing_status_changes_from_the_same_status_wins()
    {
        var task = await InsertTaskAsync(TaskStatuses.Stopped);

        var results = await Task.WhenAll(new[] { TaskStatuses.Published, TaskStatuses.Closed }.Select(to => Task.Run(() =>
            Store.Tasks.ChangeStatusAsync(Company, task, new TaskStatusChange(TaskStatuses.Stopped, to, null, null, Later, Editor)))));

        Assert.Single(results, won => won);
    }

    [Fact]
    public async Task Add_or_update_model_keeps_an_updated_entry_in_place_and_appends_new_names()
    {
        var task = await InsertTaskAsync();
        await Store.Tasks.AddOrUpdateModelAsync(Company, task, true, new TaskModelItem("a", "model-a", Now));
        await Store.Tasks.AddOrUpdateModelAsync(Company, task, true, new TaskModelItem("b", "model-b", Now));
        await Store.Tasks.AddOrUpdateModelAsync(Company, task, true, new TaskModelItem("c", "model-c", Now));

        await Store.Tasks.AddOrUpdateModelAsync(Company, task, true, new TaskModelItem("b", "model-b2", Later));
        await Store.Tasks.AddOrUpdateModelAsync(Company, task, true, new TaskModelItem("d", "model-d", Later));
        await Store.Tasks.AddOrUpdateModelAsync(Company, task, true, new TaskModelItem("a", "model-a2", Later));

        Assert.Equal(
            [new TaskModelItem("a", "model-a2", Later), new TaskModelItem("b", "model-b2", Later), new TaskModelItem("c", "model-c", Now), new TaskModelItem("d", "model-d", Later)],
            await Store.Tasks.GetModelsAsync(Company, task, output: true));
    }

    [Fact]
    public async Task Input_and_output_model_lists_are_separate()
    {
        var task = await InsertTaskAsync();
        var other = await InsertTaskAsync();

        await Store.Tasks.AddOrUpdateModelAsync(Company, task, false, new TaskModelItem("Input Model", "in-1", Now));
        await Store.Tasks.AddOrUpdateModelAsync(Company, task, true, new TaskModelItem("Output Model", "out-1", Now));
        await Store.Tasks.AddOrUpdateModelAsync(Company, task, true, new TaskModelItem("Input Model", "out-2", Now));

        Assert.Equal([new TaskModelItem("Input Model", "in-1", Now)], await Store.Tasks.GetModelsAsync(Company, task, output: false));
        Assert.Equal(
            [new TaskModelItem("Output Model", "out-1", Now), new TaskModelItem("Input Model", "out-2", Now)],
            await Store.Tasks.GetModelsAsync(Company, task, output: true));
        Assert.Empty(await Store.Tasks.GetModelsAsync(Company, other, output: true));
        Assert.Empty(await Store.Tasks.GetModelsAsync(Company, EntityId.New(), output: false));
    }
}
