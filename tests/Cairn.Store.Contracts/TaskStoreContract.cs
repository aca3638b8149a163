using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Querying;
using Cairn.Core.Tasks;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary><c>ITaskStore</c>: documents, read-modify-write, status compare-and-set, reset, watchdog, delete and queries.</summary>
public abstract class TaskStoreContract(IStoreProvider provider) : StoreContract(provider)
{
    private const string User = "user-1";
    private static readonly DateTimeOffset Later = Now.AddHours(1);

    private static TaskRecord NewTask(string? id = null, string company = Company, string name = "sample task") => new()
    {
        Id = id ?? EntityId.New(),
        Company = company,
        Name = name,
        Type = "training",
        Created = Now,
        LastUpdate = Now,
        User = User,
    };

    private async Task<string> InsertAsync(Func<TaskRecord, TaskRecord>? with = null, string company = Company)
    {
        var task = NewTask(company: company);
        task = with is null ? task : with(task);
        await Store.Tasks.InsertAsync(task);
        return task.Id;
    }

    private async Task<TaskRecord> GetAsync(string id) =>
        await Store.Tasks.GetByIdOrNullAsync(Company, id) ?? throw new Xunit.Sdk.XunitException($"task {id} not found");

    private static void AssertJson(JsonNode? expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString() ?? "null"}, got {actual?.ToJsonString() ?? "null"}");

    [Fact]
    public async Task Inserting_and_reading_back_keeps_every_field()
    {
        var hyperparams = new JsonObject { ["Args"] = new JsonObject { ["lr.base"] = new JsonObject { ["value"] = "0.1" } }, ["__x$"] = new JsonObject() };
        var artifacts = TaskRules.MergeArtifacts([], [new JsonObject { ["key"] = "z", ["type"] = "str", ["mode"] = "output" }, new JsonObject { ["key"] = "a", ["type"] = "dict", ["mode"] = "input" }]);
        var task = NewTask() with
        {
            Status = TaskStatuses.Stopped,
            StatusReason = "r",
            StatusMessage = "m",
            StatusChanged = Now,
            Comment = "c",
            Started = Now,
            Completed = Later,
            ActiveDuration = 12.5,
            Parent = "p",
            Project = "proj",
            Tags = ["b", "a"],
            SystemTags = ["development"],
            Output = new JsonObject { ["destination"] = "s3://x" },
            Execution = new JsonObject { ["framework"] = "PyTorch" },
            Script = new JsonObject { ["entry_point"] = "a.py" },
            Hyperparams = hyperparams,
            Configuration = new JsonObject { ["Gen.eral"] = new JsonObject { ["value"] = "v" } },
            Container = new JsonObject { ["image"] = "i" },
            Runtime = new JsonObject { ["progress"] = "5" },
            Artifacts = artifacts,
            InputModels = [new TaskModelItem("in", "m1", Now)],
            OutputModels = [new TaskModelItem("w", "m2", Now), new TaskModelItem("v", "m3", Later)],
            LastIteration = 4,
            LastChange = Later,
            LastChangedBy = User,
        };
        await Store.Tasks.InsertAsync(task);
        var read = await GetAsync(task.Id);
        Assert.Equal(["a", "b"], read.Tags);
        Assert.Equal(TaskStatuses.Stopped, read.Status);
        Assert.Equal(Later, read.Completed);
        Assert.Equal(12.5, read.ActiveDuration);
        AssertJson(hyperparams, read.Hyperparams);
        AssertJson(task.Configuration, read.Configuration);
        AssertJson(task.Script, read.Script);
        Assert.Equal(["a", "z"], read.Artifacts.Select(TaskRules.KeyOf));
        Assert.Equal(task.InputModels, read.InputModels);
        Assert.Equal(task.OutputModels, read.OutputModels);
        Assert.Equal(4, read.LastIteration);
        Assert.Null(await Store.Tasks.GetByIdOrNullAsync(OtherCompany, task.Id));
    }

    [Fact]
    public async Task An_update_that_throws_writes_nothing_and_a_foreign_task_is_not_found()
    {
        var id = await InsertAsync(t => t with { Comment = "before" });
        await Assert.ThrowsAsync<CairnException>(() => Store.Tasks.UpdateAsync(Company, id, _ => throw CairnException.Validation("no"), Later, User));
        Assert.Equal("before", (await GetAsync(id)).Comment);
        Assert.Null(await Store.Tasks.UpdateAsync(OtherCompany, id, _ => new TaskChanges { Comment = "x" }, Later, User));

        var changes = await Store.Tasks.UpdateAsync(Company, id, t => new TaskChanges { Comment = t.Comment + " after", OutputModels = [new TaskModelItem("w", "m", Later)] }, Later, User);
        Assert.NotNull(changes);
        var read = await GetAsync(id);
        Assert.Equal("before after", read.Comment);
        Assert.Equal(Later, read.LastUpdate);
        Assert.Equal("m", Assert.Single(read.OutputModels).Model);
    }

    [Fact]
    public async Task Status_changes_are_compare_and_set_and_record_started_and_completed()
    {
        var id = await InsertAsync();
        Assert.True(await Store.Tasks.ChangeStatusAsync(Company, id, new TaskStatusChange(TaskStatuses.Created, TaskStatuses.InProgress, "", "", Now, User) { MarkStarted = true }));
        Assert.False(await Store.Tasks.ChangeStatusAsync(Company, id, new TaskStatusChange(TaskStatuses.Created, TaskStatuses.InProgress, "", "", Later, User)));
        Assert.True(await Store.Tasks.ChangeStatusAsync(Company, id, new TaskStatusChange(TaskStatuses.InProgress, TaskStatuses.Completed, "done", "", Later, User) { MarkCompleted = true }));
        var read = await GetAsync(id);
        Assert.Equal(TaskStatuses.Completed, read.Status);
        Assert.Equal(Now, read.Started);
        Assert.Equal(Later, read.Completed);
        Assert.Equal(3600, read.ActiveDuration);
    }

    [Fact]
    public async Task Reset_clears_the_run_and_keeps_input_artifacts()
    {
        var artifacts = TaskRules.MergeArtifacts([], [new JsonObject { ["key"] = "o", ["type"] = "str", ["mode"] = "output" }, new JsonObject { ["key"] = "i", ["type"] = "str", ["mode"] = "input" }]);
        var id = await InsertAsync(t => t with
        {
            Status = TaskStatuses.Stopped,
            Started = Now,
            LastIteration = 9,
            Artifacts = artifacts,
            Output = new JsonObject { ["destination"] = "d", ["error"] = "e" },
            OutputModels = [new TaskModelItem("w", "m", Now)],
        });
        Assert.False((await Store.Tasks.ResetAsync(Company, id, TaskStatuses.InProgress, clearAll: false, Later, User)).Reset);
        Assert.Equal([new TaskModelItem("w", "m", Now)], (await Store.Tasks.ResetAsync(Company, id, TaskStatuses.Stopped, clearAll: false, Later, User)).OutputModels);
        var read = await GetAsync(id);
        Assert.Equal(TaskStatuses.Created, read.Status);
        Assert.Null(read.Started);
        Assert.Equal(0, read.LastIteration);
        Assert.Equal(["i"], read.Artifacts.Select(TaskRules.KeyOf));
        AssertJson(new JsonObject { ["destination"] = "d" }, read.Output);
        Assert.Empty(read.OutputModels);
    }

    [Fact]
    public async Task The_watchdog_stops_only_stale_in_progress_tasks()
    {
        var stale = await InsertAsync(t => t with { Status = TaskStatuses.InProgress, LastUpdate = Now });
        var fresh = await InsertAsync(t => t with { Status = TaskStatuses.InProgress, LastUpdate = Later });
        var created = await InsertAsync(t => t with { LastUpdate = Now });
        Assert.Equal(1, await Store.Tasks.StopNonRespondingAsync(Now.AddMinutes(30), "Forced stop (non-responsive)", Later));
        Assert.Equal(TaskStatuses.Stopped, (await GetAsync(stale)).Status);
        Assert.Equal("Forced stop (non-responsive)", (await GetAsync(stale)).StatusReason);
        Assert.Equal(TaskStatuses.InProgress, (await GetAsync(fresh)).Status);
        Assert.Equal(TaskStatuses.Created, (await GetAsync(created)).Status);
        Assert.True(await Store.Tasks.PingAsync(Company, fresh, Later));
        Assert.False(await Store.Tasks.PingAsync(OtherCompany, fresh, Later));
    }

    [Fact]
    public async Task Delete_removes_draft_outputs_keeps_the_rest_and_orphans_children()
    {
        var id = EntityId.New();
        var draft = new Model { Id = EntityId.New(), Company = Company, Name = "draft", Created = Now, LastUpdate = Now, Task = id, Uri = "http://f/w.bin", Ready = false };
        var ready = draft with { Id = EntityId.New(), Name = "ready", Ready = true, Uri = "http://f/r.bin" };
        await Store.Models.InsertAsync(draft);
        await Store.Models.InsertAsync(ready);
        await Store.Tasks.InsertAsync(NewTask(id) with { OutputModels = [new TaskModelItem("w", draft.Id, Now), new TaskModelItem("r", ready.Id, Now)] });
        var child = await InsertAsync(t => t with { Parent = id });

        var result = await Store.Tasks.DeleteAsync(Company, id, force: true, deleteOutputModels: true, Later);
        Assert.Equal(new TaskDeleteResult(TaskDeleteOutcome.Deleted, result.Task, 1, 1, 1, result.DeletedModelUrls), result);
        Assert.Equal(id, result.Task!.Id);
        Assert.Equal(["http://f/w.bin"], result.DeletedModelUrls);
        Assert.Null(await Store.Tasks.GetByIdOrNullAsync(Company, id));
        Assert.Null(await Store.Models.GetByIdOrNullAsync(Company, draft.Id));
        Assert.Equal(Model.DeletedPrefix + id, (await Store.Models.GetByIdOrNullAsync(Company, ready.Id))!.Task);
        Assert.Equal(Model.DeletedPrefix + id, (await GetAsync(child)).Parent);
        Assert.Equal(TaskDeleteOutcome.NotFound, (await Store.Tasks.DeleteAsync(Company, id, true, true, Later)).Outcome);
    }

    [Fact]
    public async Task Delete_without_force_checks_clearmls_rules_against_the_stored_rows_and_changes_nothing_when_refused()
    {
        var running = await InsertAsync(t => t with { Status = TaskStatuses.InProgress });
        var refused = await Store.Tasks.DeleteAsync(Company, running, force: false, deleteOutputModels: true, Later);
        Assert.Equal(TaskDeleteOutcome.InvalidStatus, refused.Outcome);
        Assert.Equal(TaskStatuses.InProgress, refused.Task!.Status);
        Assert.NotNull(await Store.Tasks.GetByIdOrNullAsync(Company, running));

        var parent = await InsertAsync();
        await InsertAsync(t => t with { Parent = parent, Status = TaskStatuses.Published });
        var children = await Store.Tasks.DeleteAsync(Company, parent, force: false, deleteOutputModels: true, Later);
        Assert.Equal((TaskDeleteOutcome.HasPublishedChildren, 1), (children.Outcome, children.BlockingCount));

        var creator = await InsertAsync();
        var made = new Model { Id = EntityId.New(), Company = Company, Name = "made", Created = Now, LastUpdate = Now, Task = creator, Ready = true };
        await Store.Models.InsertAsync(made);
        Assert.Equal(TaskDeleteOutcome.HasPublishedModels, (await Store.Tasks.DeleteAsync(Company, creator, false, true, Later)).Outcome);

        // A ready model in the output list that another task created still blocks.
        var lister = await InsertAsync(t => t with { OutputModels = [new TaskModelItem("w", made.Id, Now)] });
        var output = await Store.Tasks.DeleteAsync(Company, lister, false, true, Later);
        Assert.Equal((TaskDeleteOutcome.HasPublishedOutputModel, made.Id), (output.Outcome, output.BlockingModel));

        foreach (var id in new[] { parent, creator, lister })
        {
            Assert.NotNull(await Store.Tasks.GetByIdOrNullAsync(Company, id));
        }
        Assert.Equal(creator, (await Store.Models.GetByIdOrNullAsync(Company, made.Id))!.Task);
        Assert.True((await Store.Tasks.DeleteAsync(Company, lister, force: true, deleteOutputModels: true, Later)).Deleted);
        Assert.Equal(TaskDeleteOutcome.NotFound, (await Store.Tasks.DeleteAsync(OtherCompany, creator, true, true, Later)).Outcome);
    }

    [Fact]
    public async Task Reset_leaves_the_queue_and_with_clear_all_the_execution_script_and_every_artifact()
    {
        var artifacts = TaskRules.MergeArtifacts([], [new JsonObject { ["key"] = "o", ["type"] = "str", ["mode"] = "output" }, new JsonObject { ["key"] = "i", ["type"] = "str", ["mode"] = "input" }]);
        TaskRecord Run(TaskRecord t) => t with
        {
            Status = TaskStatuses.Stopped,
            Artifacts = artifacts,
            Execution = new JsonObject { ["queue"] = "q1", ["framework"] = "PyTorch" },
            Script = new JsonObject { ["entry_point"] = "train.py" },
        };
        var plain = await InsertAsync(Run);
        var all = await InsertAsync(Run);

        Assert.True((await Store.Tasks.ResetAsync(Company, plain, TaskStatuses.Stopped, clearAll: false, Later, User)).Reset);
        Assert.True((await Store.Tasks.ResetAsync(Company, all, TaskStatuses.Stopped, clearAll: true, Later, User)).Reset);

        var kept = await GetAsync(plain);
        AssertJson(new JsonObject { ["framework"] = "PyTorch" }, kept.Execution);
        AssertJson(new JsonObject { ["entry_point"] = "train.py" }, kept.Script);
        Assert.Equal(["i"], kept.Artifacts.Select(TaskRules.KeyOf));
        var cleared = await GetAsync(all);
        AssertJson(new JsonObject(), cleared.Execution);
        Assert.Null(cleared.Script);
        Assert.Empty(cleared.Artifacts);
    }

    [Fact]
    public async Task Model_lists_and_execution_are_read_and_written_only_within_the_company()
    {
        var id = await InsertAsync(t => t with { Execution = new JsonObject { ["framework"] = "ONNX" }, InputModels = [new TaskModelItem("in", "m-in", Now)] });
        var shared = await InsertAsync(t => t with { Execution = new JsonObject { ["framework"] = "public" } }, company: PublicCompany);

        Assert.True(await Store.Tasks.AddOrUpdateModelAsync(Company, id, output: true, new TaskModelItem("w", "m-out", Now)));
        Assert.False(await Store.Tasks.AddOrUpdateModelAsync(OtherCompany, id, output: true, new TaskModelItem("x", "m-x", Now)));
        Assert.False(await Store.Tasks.AddOrUpdateModelAsync(Company, shared, output: true, new TaskModelItem("x", "m-x", Now)));

        Assert.Equal(["m-out"], (await Store.Tasks.GetModelsAsync(Company, id, output: true)).Select(m => m.Model));
        Assert.Equal(["m-in"], (await Store.Tasks.GetModelsAsync(Company, id, output: false)).Select(m => m.Model));
        Assert.Empty(await Store.Tasks.GetModelsAsync(OtherCompany, id, output: false));
        Assert.Empty(await Store.Tasks.GetModelsAsync(Company, shared, output: true));
        Assert.Equal("ONNX", (await Store.Tasks.GetExecutionAsync(Company, id))!["framework"]!.GetValue<string>());
        Assert.Null(await Store.Tasks.GetExecutionAsync(OtherCompany, id));
        Assert.Equal("public", (await Store.Tasks.GetExecutionAsync(OtherCompany, shared))!["framework"]!.GetValue<string>());
    }

    [Fact]
    public async Task Queries_filter_in_the_store_and_scroll_by_cursor()
    {
        for (var i = 0; i < 5; i++)
        {
            var index = i;
            await InsertAsync(t => t with { Name = $"task {index}", Tags = index % 2 == 0 ? ["even"] : [], InputModels = index == 3 ? [new TaskModelItem("in", "model-3", Now)] : [] });
        }
        await InsertAsync(company: OtherCompany);

        var even = await Store.Tasks.QueryAsync(Company, new EntityQuery([new ListCondition("tags", TagFilter.Any("even"))], [new SortKey("name", true)], 0, 10));
        Assert.Equal(["task 4", "task 2", "task 0"], even.Rows.Select(t => t.Name));
        var byInput = await Store.Tasks.QueryAsync(Company, new EntityQuery([new ListCondition("models.input.model", TagFilter.Any("model-3"))], [], 0, 10));
        Assert.Equal("task 3", Assert.Single(byInput.Rows).Name);
        Assert.Equal("in", Assert.Single(byInput.Rows[0].InputModels).Name);

        var first = await Store.Tasks.QueryAsync(Company, new EntityQuery([], [], 0, 3));
        var next = await Store.Tasks.QueryAsync(Company, new EntityQuery([], [], 0, 3, first.Cursor));
        Assert.Equal(["task 0", "task 1", "task 2", "task 3", "task 4"], first.Rows.Concat(next.Rows).Select(t => t.Name));
    }
}
