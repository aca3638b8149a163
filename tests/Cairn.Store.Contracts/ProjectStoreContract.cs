using System.Text.RegularExpressions;
using Cairn.Core;
using Cairn.Core.Projects;
using Cairn.Core.Querying;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary>
/// <c>IProjectStore</c>: create, get-or-create, update, delete, contents and statistics here;
/// <c>QueryAsync</c> in <c>ProjectStoreContract.Query.cs</c>.
/// </summary>
public abstract partial class ProjectStoreContract(IStoreProvider provider) : StoreContract(provider)
{
    private const string User = "user-1";

    private static NewProject NewProject(
        string name,
        string company = Company,
        IReadOnlyList<string>? tags = null,
        string? description = null,
        IReadOnlyList<string>? systemTags = null,
        string? destination = null) =>
        new(company, User, ProjectName.Parse(name), description, tags ?? [], systemTags ?? [], destination);

    private async Task<string> CreateAsync(
        string name,
        string company = Company,
        IReadOnlyList<string>? tags = null,
        string? description = null,
        DateTimeOffset? now = null)
    {
        var result = await Store.Projects.CreateAsync(NewProject(name, company, tags, description), now ?? Now);
        Assert.Equal(ProjectCreateOutcome.Created, result.Outcome);
        Assert.True(EntityId.IsWellFormed(result.Id), $"'{result.Id}' is not an entity id");
        return result.Id!;
    }

    private async Task<Project> GetAsync(string id, string company = Company) =>
        await Store.Projects.GetByIdOrNullAsync(company, id) ?? throw new Xunit.Sdk.XunitException($"project {id} not found");

    private async Task<Project> GetByNameAsync(string name)
    {
        var found = await QueryAsync(new PatternCondition(["name"], "^" + Regex.Escape(name) + "$", false, false));
        return Assert.Single(found);
    }

    private Task<IReadOnlyList<Project>> QueryAsync(params QueryCondition[] conditions) =>
        Store.Projects.QueryAsync(Company, new EntityQuery(conditions, [new SortKey("name", false)], 0, EntityQuery.MaxPageSize));

    private async Task<List<string>> AllNamesAsync() => (await QueryAsync()).Select(p => p.Name).ToList();

    // ---- create -----------------------------------------------------------------------------

    [Fact]
    public async Task A_created_project_stores_every_field()
    {
        var result = await Store.Projects.CreateAsync(
            NewProject("Solo", tags: ["b", "a", "b"], description: "about", systemTags: ["x"], destination: "s3://bucket/out"), Now);

        var project = await GetAsync(result.Id!);
        Assert.Equal(ProjectCreateOutcome.Created, result.Outcome);
        Assert.Equal(result.Id, project.Id);
        Assert.Equal(Company, project.Company);
        Assert.Equal("Solo", project.Name);
        Assert.Equal("Solo", project.Basename);
        Assert.Equal("about", project.Description);
        Assert.Equal(User, project.User);
        Assert.Equal(Now, project.Created);
        Assert.Equal(Now, project.LastUpdate);
        Assert.Equal(["a", "b"], project.Tags);
        Assert.Equal(["x"], project.SystemTags);
        Assert.Equal("s3://bucket/out", project.DefaultOutputDestination);
        Assert.Null(project.Parent);
        Assert.Empty(project.Path);
    }

    [Fact]
    public async Task Creating_a_nested_project_creates_its_missing_ancestors_with_parent_and_path()
    {
        var leafId = await CreateAsync(" Root / Team / Leaf ", tags: ["leaf-tag"], description: "the leaf");

        var root = await GetByNameAsync("Root");
        var team = await GetByNameAsync("Root/Team");
        var leaf = await GetAsync(leafId);
        Assert.Equal(["Root", "Root/Team", "Root/Team/Leaf"], await AllNamesAsync());
        Assert.Null(root.Parent);
        Assert.Empty(root.Path);
        Assert.Equal(root.Id, team.Parent);
        Assert.Equal([root.Id], team.Path);
        Assert.Equal("Team", team.Basename);
        Assert.Equal(team.Id, leaf.Parent);
        Assert.Equal([root.Id, team.Id], leaf.Path);
        Assert.Equal("Leaf", leaf.Basename);
        // Ancestors are plain projects: empty description, none of the leaf's tags.
        Assert.Equal("", team.Description);
        Assert.Empty(team.Tags);
        Assert.Equal(User, team.User);
        Assert.Equal(Now, team.Created);
    }

    [Fact]
    public async Task Existing_ancestors_are_reused_rather_than_created_again()
    {
        var first = await GetAsync(await CreateAsync("Root/Team/First"));
        var second = await GetAsync(await CreateAsync("Root/Team/Second"));
        var third = await GetAsync(await CreateAsync("Root/Other"));

        Assert.Equal(["Root", "Root/Other", "Root/Team", "Root/Team/First", "Root/Team/Second"], await AllNamesAsync());
        Assert.Equal(first.Parent, second.Parent);
        Assert.Equal(first.Path, second.Path);
        Assert.Equal([first.Path[0]], third.Path);
    }

    [Fact]
    public async Task Creating_an_existing_name_is_AlreadyExists_with_the_existing_id()
    {
        var id = await CreateAsync("Root/Dup");

        var again = await Store.Projects.CreateAsync(NewProject(" Root // Dup "), Now.AddHours(1));
        var ancestor = await Store.Projects.CreateAsync(NewProject("Root"), Now.AddHours(1));

        Assert.Equal(new ProjectCreateResult(ProjectCreateOutcome.AlreadyExists, id), again);
        Assert.Equal(ProjectCreateOutcome.AlreadyExists, ancestor.Outcome);
        Assert.Equal((await GetByNameAsync("Root")).Id, ancestor.Id);
        Assert.Equal(["Root", "Root/Dup"], await AllNamesAsync());
    }

    [Fact]
    public async Task Names_are_unique_per_company_not_across_companies()
    {
        var mine = await CreateAsync("Shared/Name");

        var theirs = await CreateAsync("Shared/Name", company: OtherCompany);

        Assert.NotEqual(mine, theirs);
        Assert.Equal(OtherCompany, (await GetAsync(theirs, OtherCompany)).Company);
        Assert.Equal(["Shared", "Shared/Name"], await AllNamesAsync());
    }

    [Fact]
    public async Task A_public_project_of_the_same_name_is_PublicProjectExists()
    {
        var publicId = await CreateAsync("Examples", company: PublicCompany);

        var result = await Store.Projects.CreateAsync(NewProject("Examples"), Now);

        Assert.Equal(new ProjectCreateResult(ProjectCreateOutcome.PublicProjectExists, publicId), result);
    }

    // ---- get ----------------------------------------------------------------------------------

    [Fact]
    public async Task Get_by_id_sees_own_and_public_projects_but_not_another_companys()
    {
        var own = await CreateAsync("Mine");
        var shared = await CreateAsync("Public", company: PublicCompany);
        var foreign = await CreateAsync("Theirs", company: OtherCompany);

        Assert.Equal("Mine", (await Store.Projects.GetByIdOrNullAsync(Company, own))?.Name);
        Assert.Equal("Public", (await Store.Projects.GetByIdOrNullAsync(Company, shared))?.Name);
        Assert.Null(await Store.Projects.GetByIdOrNullAsync(Company, foreign));
        Assert.Null(await Store.Projects.GetByIdOrNullAsync(Company, EntityId.New()));
    }

    // ---- get or create ------------------------------------------------------------------------

    [Fact]
    public async Task Get_or_create_returns_the_existing_project()
    {
        var id = await CreateAsync("Root/Existing");

        var found = await Store.Projects.GetOrCreateAsync(NewProject("Root / Existing"), Now.AddHours(1));

        Assert.Equal(id, found);
        Assert.Equal(["Root", "Root/Existing"], await AllNamesAsync());
    }

    [Fact]
    public async Task Get_or_create_creates_a_missing_project_with_its_ancestors()
    {
        var id = await Store.Projects.GetOrCreateAsync(NewProject("Root/New/Leaf", tags: ["t"]), Now);

        var leaf = await GetAsync(id);
        Assert.Equal("Root/New/Leaf", leaf.Name);
        Assert.Equal(["t"], leaf.Tags);
        Assert.Equal(2, leaf.Path.Count);
        Assert.Equal(["Root", "Root/New", "Root/New/Leaf"], await AllNamesAsync());
        Assert.Equal(id, await Store.Projects.GetOrCreateAsync(NewProject("Root/New/Leaf"), Now));
    }

    [Fact]
    public async Task Get_or_create_returns_a_public_project_of_that_name()
    {
        var publicId = await CreateAsync("Examples", company: PublicCompany);

        Assert.Equal(publicId, await Store.Projects.GetOrCreateAsync(NewProject("Examples"), Now));
    }

    // ---- update -------------------------------------------------------------------------------

    [Fact]
    public async Task Update_writes_the_given_fields_and_leaves_the_others()
    {
        var id = await CreateAsync("Editable", tags: ["old"], description: "before");
        var later = Now.AddHours(2);

        var outcome = await Store.Projects.UpdateAsync(Company, id, new ProjectChanges(Tags: ["z", "y", "z"], SystemTags: ["s"]), later);

        var project = await GetAsync(id);
        Assert.Equal(ProjectUpdateOutcome.Updated, outcome);
        Assert.Equal(["y", "z"], project.Tags);
        Assert.Equal(["s"], project.SystemTags);
        Assert.Equal("before", project.Description);
        Assert.Equal("Editable", project.Name);
        Assert.Equal(Now, project.Created);
        Assert.Equal(later, project.LastUpdate);

        await Store.Projects.UpdateAsync(Company, id, new ProjectChanges(Description: "after", DefaultOutputDestination: "file:///out"), later);
        project = await GetAsync(id);
        Assert.Equal("after", project.Description);
        Assert.Equal("file:///out", project.DefaultOutputDestination);
        Assert.Equal(["y", "z"], project.Tags);
    }

    [Fact]
    public async Task Renaming_a_project_renames_every_subproject()
    {
        var alpha = await CreateAsync("Team/Alpha");
        var deep = await CreateAsync("Team/Alpha/Sub/Deep");
        await CreateAsync("Team/Alphabet");
        var before = await GetAsync(deep);

        var outcome = await Store.Projects.UpdateAsync(Company, alpha, new ProjectChanges(Name: ProjectName.Parse("Team / Beta")), Now.AddHours(1));

        Assert.Equal(ProjectUpdateOutcome.Updated, outcome);
        Assert.Equal(["Team", "Team/Alphabet", "Team/Beta", "Team/Beta/Sub", "Team/Beta/Sub/Deep"], await AllNamesAsync());
        var renamed = await GetAsync(alpha);
        Assert.Equal("Beta", renamed.Basename);
        var after = await GetAsync(deep);
        Assert.Equal("Deep", after.Basename);
        Assert.Equal(before.Path, after.Path);
        Assert.Equal(before.Parent, after.Parent);
        Assert.Equal("Sub", (await GetByNameAsync("Team/Beta/Sub")).Basename);
    }

    [Fact]
    public async Task Renaming_a_top_level_project_renames_its_subprojects()
    {
        var root = await CreateAsync("Old Root");
        await CreateAsync("Old Root/Child");

        var outcome = await Store.Projects.UpdateAsync(Company, root, new ProjectChanges(Name: ProjectName.Parse("New Root")), Now);

        Assert.Equal(ProjectUpdateOutcome.Updated, outcome);
        Assert.Equal(["New Root", "New Root/Child"], await AllNamesAsync());
    }

    [Fact]
    public async Task Renaming_keeps_subproject_names_intact_when_names_hold_characters_outside_the_BMP()
    {
        var rocket = await CreateAsync("Rocket \U0001F680");
        await CreateAsync("Rocket \U0001F680/Stage \U0001F525");

        var outcome = await Store.Projects.UpdateAsync(Company, rocket, new ProjectChanges(Name: ProjectName.Parse("Satellite \U0001F6F0")), Now);

        Assert.Equal(ProjectUpdateOutcome.Updated, outcome);
        Assert.Equal(["Satellite \U0001F6F0", "Satellite \U0001F6F0/Stage \U0001F525"], await AllNamesAsync());
    }

    [Fact]
    public async Task Concurrent_get_or_create_calls_create_the_project_and_its_ancestors_once()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => Store.Projects.GetOrCreateAsync(NewProject("Race/Shared/Leaf"), Now))));

        Assert.Single(ids.Distinct());
        Assert.Equal(["Race", "Race/Shared", "Race/Shared/Leaf"], await AllNamesAsync());
    }

    [Theory]
    [InlineData("Other/Alpha")]
    [InlineData("Alpha")]
    [InlineData("Team/Alpha/Nested")]
    public async Task A_rename_that_moves_the_project_is_LocationChanged_and_changes_nothing(string newName)
    {
        var alpha = await CreateAsync("Team/Alpha");

        var outcome = await Store.Projects.UpdateAsync(Company, alpha, new ProjectChanges(Name: ProjectName.Parse(newName), Description: "changed"), Now.AddHours(1));

        Assert.Equal(ProjectUpdateOutcome.LocationChanged, outcome);
        var project = await GetAsync(alpha);
        Assert.Equal("Team/Alpha", project.Name);
        Assert.Null(project.Description);
        Assert.Equal(Now, project.LastUpdate);
        Assert.Equal(["Team", "Team/Alpha"], await AllNamesAsync());
    }

    [Fact]
    public async Task Renaming_to_a_sibling_name_is_NameTaken_and_changes_nothing()
    {
        var one = await CreateAsync("Team/One");
        await CreateAsync("Team/Two");

        var outcome = await Store.Projects.UpdateAsync(Company, one, new ProjectChanges(Name: ProjectName.Parse("Team/Two")), Now.AddHours(1));

        Assert.Equal(ProjectUpdateOutcome.NameTaken, outcome);
        Assert.Equal("Team/One", (await GetAsync(one)).Name);
        Assert.Equal(["Team", "Team/One", "Team/Two"], await AllNamesAsync());
    }

    [Fact]
    public async Task Updating_a_project_that_is_missing_or_another_companys_is_NotFound()
    {
        var foreign = await CreateAsync("Theirs", company: OtherCompany);
        var shared = await CreateAsync("Public", company: PublicCompany);

        Assert.Equal(ProjectUpdateOutcome.NotFound,
            await Store.Projects.UpdateAsync(Company, EntityId.New(), new ProjectChanges(Description: "x"), Now));
        Assert.Equal(ProjectUpdateOutcome.NotFound,
            await Store.Projects.UpdateAsync(Company, foreign, new ProjectChanges(Description: "x"), Now));
        Assert.Equal(ProjectUpdateOutcome.NotFound,
            await Store.Projects.UpdateAsync(Company, shared, new ProjectChanges(Description: "x"), Now));
        Assert.Null((await GetAsync(foreign, OtherCompany)).Description);
    }

    // ---- delete -------------------------------------------------------------------------------

    /// <summary>Tree/Child/Leaf plus a sibling "Other", each holding one model and one task.</summary>
    private async Task<(string Tree, string Child, string Leaf, string Other)> CreateTreeWithContentsAsync()
    {
        var leaf = await GetAsync(await CreateAsync("Tree/Child/Leaf"));
        var (tree, child) = (leaf.Path[0], leaf.Path[1]);
        var other = await CreateAsync("Other");
        foreach (var (project, name) in new[] { (tree, "tree"), (child, "child"), (leaf.Id, "leaf"), (other, "other") })
        {
            await Provider.InsertModelAsync(Store, new ModelRow($"model-{name}", Company, project));
            await Provider.InsertTaskAsync(Store, new TaskRow($"task-{name}", Company, project, Archived: name == "child"));
        }
        return (tree, child, leaf.Id, other);
    }

    [Fact]
    public async Task Deleting_a_tree_moves_its_models_and_tasks_to_no_project()
    {
        var (tree, _, _, other) = await CreateTreeWithContentsAsync();

        var result = await Store.Projects.DeleteAsync(Company, tree, deleteContents: false);

        Assert.Equal(new ProjectDeleteResult(3, 3, 3), result);
        Assert.Equal(["Other"], await AllNamesAsync());
        foreach (var name in new[] { "tree", "child", "leaf" })
        {
            Assert.Equal(new StoredRow(null), await Provider.FindRowOrNullAsync(Store, EntityTable.Models, $"model-{name}"));
            Assert.Equal(new StoredRow(null), await Provider.FindRowOrNullAsync(Store, EntityTable.Tasks, $"task-{name}"));
        }
        Assert.Equal(new StoredRow(other), await Provider.FindRowOrNullAsync(Store, EntityTable.Models, "model-other"));
        Assert.Equal(new StoredRow(other), await Provider.FindRowOrNullAsync(Store, EntityTable.Tasks, "task-other"));
    }

    [Fact]
    public async Task Deleting_a_tree_with_its_contents_deletes_its_models_and_tasks()
    {
        var (tree, _, _, other) = await CreateTreeWithContentsAsync();

        var result = await Store.Projects.DeleteAsync(Company, tree, deleteContents: true);

        Assert.Equal(new ProjectDeleteResult(3, 3, 3), result);
        Assert.Equal(["Other"], await AllNamesAsync());
        foreach (var name in new[] { "tree", "child", "leaf" })
        {
            Assert.Null(await Provider.FindRowOrNullAsync(Store, EntityTable.Models, $"model-{name}"));
            Assert.Null(await Provider.FindRowOrNullAsync(Store, EntityTable.Tasks, $"task-{name}"));
        }
        Assert.Equal(new StoredRow(other), await Provider.FindRowOrNullAsync(Store, EntityTable.Models, "model-other"));
        Assert.Equal(new StoredRow(other), await Provider.FindRowOrNullAsync(Store, EntityTable.Tasks, "task-other"));
    }

    [Fact]
    public async Task Deleting_a_subproject_keeps_its_parent_and_the_parents_contents()
    {
        var (tree, child, _, _) = await CreateTreeWithContentsAsync();

        var result = await Store.Projects.DeleteAsync(Company, child, deleteContents: false);

        Assert.Equal(new ProjectDeleteResult(2, 2, 2), result);
        Assert.Equal(["Other", "Tree"], await AllNamesAsync());
        Assert.Equal(new StoredRow(tree), await Provider.FindRowOrNullAsync(Store, EntityTable.Models, "model-tree"));
        Assert.Equal(new StoredRow(null), await Provider.FindRowOrNullAsync(Store, EntityTable.Models, "model-leaf"));
    }

    [Fact]
    public async Task Deleting_a_missing_or_another_companys_project_deletes_nothing()
    {
        var foreign = await CreateAsync("Theirs/Sub", company: OtherCompany);

        Assert.Equal(new ProjectDeleteResult(0, 0, 0), await Store.Projects.DeleteAsync(Company, EntityId.New(), deleteContents: true));
        Assert.Equal(new ProjectDeleteResult(0, 0, 0), await Store.Projects.DeleteAsync(Company, foreign, deleteContents: true));
        Assert.NotNull(await Store.Projects.GetByIdOrNullAsync(OtherCompany, foreign));
    }

    // ---- contents, descendants, statistics ----------------------------------------------------

    [Fact]
    public async Task Contents_count_models_and_tasks_with_archived_ones_counted_separately()
    {
        var child = await GetAsync(await CreateAsync("Holder/Child"));
        var holder = child.Parent!;
        var empty = await CreateAsync("Empty");
        await Provider.InsertModelAsync(Store, new ModelRow("m1", Company, holder));
        await Provider.InsertModelAsync(Store, new ModelRow("m2", Company, holder, Archived: true));
        await Provider.InsertModelAsync(Store, new ModelRow("m3", Company, child.Id));
        await Provider.InsertModelAsync(Store, new ModelRow("m-foreign", OtherCompany, holder));
        await Provider.InsertTaskAsync(Store, new TaskRow("t1", Company, holder));
        await Provider.InsertTaskAsync(Store, new TaskRow("t2", Company, holder, Status: "completed"));
        await Provider.InsertTaskAsync(Store, new TaskRow("t3", Company, holder, Archived: true));
        await Provider.InsertTaskAsync(Store, new TaskRow("t4", Company, child.Id, Archived: true));
        var unknown = EntityId.New();

        var own = await Store.Projects.GetContentsAsync(Company, [holder, child.Id, empty, unknown], includeSubprojects: false);
        var withChildren = await Store.Projects.GetContentsAsync(Company, [holder, child.Id], includeSubprojects: true);

        Assert.Equal(new ProjectContents(Models: 2, Tasks: 3, ArchivedModels: 1, ArchivedTasks: 1), own[holder]);
        Assert.Equal(new ProjectContents(Models: 1, Tasks: 1, ArchivedModels: 0, ArchivedTasks: 1), own[child.Id]);
        Assert.Equal(new ProjectContents(0, 0, 0, 0), own[empty]);
        Assert.Equal(new ProjectContents(0, 0, 0, 0), own[unknown]);
        Assert.Equal(new ProjectContents(Models: 3, Tasks: 4, ArchivedModels: 1, ArchivedTasks: 2), withChildren[holder]);
        Assert.Equal(own[child.Id], withChildren[child.Id]);
        Assert.Empty(await Store.Projects.GetContentsAsync(Company, [], includeSubprojects: true));
    }

    [Fact]
    public async Task Descendants_are_every_project_below_the_given_ones_at_any_depth()
    {
        var deep = await GetAsync(await CreateAsync("Root/A/Deep"));
        var b = await GetAsync(await CreateAsync("Root/B"));
        await CreateAsync("Rooted/Elsewhere");
        var (root, a) = (deep.Path[0], deep.Path[1]);

        var ofRoot = await Store.Projects.GetDescendantsAsync(Company, [root]);
        var ofA = await Store.Projects.GetDescendantsAsync(Company, [a]);
        var ofLeaves = await Store.Projects.GetDescendantsAsync(Company, [deep.Id, b.Id]);

        Assert.Equal(["Root/A", "Root/A/Deep", "Root/B"], ofRoot.Select(p => p.Name));
        Assert.Equal([a, deep.Id, b.Id], ofRoot.Select(p => p.Id));
        Assert.Equal([root, a], ofRoot[1].Path);
        var only = Assert.Single(ofA);
        Assert.Equal(deep.Id, only.Id);
        Assert.Equal("Root/A/Deep", only.Name);
        Assert.Equal([root, a], only.Path);
        Assert.Empty(ofLeaves);
        Assert.Empty(await Store.Projects.GetDescendantsAsync(Company, []));
        Assert.Empty(await Store.Projects.GetDescendantsAsync(OtherCompany, [root]));
    }

    [Fact]
    public async Task Task_stats_count_statuses_runtime_recent_completions_and_the_last_run()
    {
        var child = await GetAsync(await CreateAsync("Stats/Child"));
        var project = child.Parent!;
        await Provider.InsertTaskAsync(Store, new TaskRow("t-created", Company, project));
        await Provider.InsertTaskAsync(Store, new TaskRow("t-running", Company, project, "in_progress", Started: Now.AddHours(-2)));
        await Provider.InsertTaskAsync(Store, new TaskRow("t-recent", Company, project, "completed", Now.AddHours(-3), Now.AddHours(-1)));
        await Provider.InsertTaskAsync(Store, new TaskRow("t-old", Company, project, "completed", Now.AddDays(-4), Now.AddDays(-3)));
        await Provider.InsertTaskAsync(Store, new TaskRow("t-archived", Company, project, "failed", Now.AddMinutes(-90), Now.AddMinutes(-30), Archived: true));
        await Provider.InsertTaskAsync(Store, new TaskRow("t-child", Company, child.Id, "stopped", Now.AddMinutes(-10), Now.AddMinutes(-5)));
        await Provider.InsertTaskAsync(Store, new TaskRow("t-foreign", OtherCompany, project, "completed", Now.AddMinutes(-10), Now.AddMinutes(-5)));
        var unknown = EntityId.New();

        var active = await Store.Projects.GetTaskStatsAsync(Company, [project, unknown], includeSubprojects: false, archived: false, Now);
        var activeWithChildren = await Store.Projects.GetTaskStatsAsync(Company, [project], includeSubprojects: true, archived: false, Now);
        var archived = await Store.Projects.GetTaskStatsAsync(Company, [project], includeSubprojects: false, archived: true, Now);

        var own = active[project];
        Assert.Equal(ProjectTaskStats.Statuses.Order(), own.StatusCount.Keys.Order());
        Assert.Equal(1, own.StatusCount["created"]);
        Assert.Equal(1, own.StatusCount["in_progress"]);
        Assert.Equal(2, own.StatusCount["completed"]);
        Assert.Equal(0, own.StatusCount["failed"]);
        Assert.Equal(0, own.StatusCount["stopped"]);
        Assert.Equal(4, own.TotalTasks);
        Assert.Equal(2 * 3600 + 24 * 3600, own.TotalRuntimeSeconds);
        Assert.Equal(1, own.CompletedTasks24h);
        Assert.Equal(Now.AddHours(-2), own.LastTaskRun);

        var tree = activeWithChildren[project];
        Assert.Equal(5, tree.TotalTasks);
        Assert.Equal(1, tree.StatusCount["stopped"]);
        Assert.Equal(2 * 3600 + 24 * 3600 + 5 * 60, tree.TotalRuntimeSeconds);
        Assert.Equal(2, tree.CompletedTasks24h);
        Assert.Equal(Now.AddMinutes(-10), tree.LastTaskRun);

        var gone = archived[project];
        Assert.Equal(1, gone.TotalTasks);
        Assert.Equal(1, gone.StatusCount["failed"]);
        Assert.Equal(0, gone.StatusCount["completed"]);
        Assert.Equal(3600, gone.TotalRuntimeSeconds);
        Assert.Equal(1, gone.CompletedTasks24h);
        Assert.Equal(Now.AddMinutes(-90), gone.LastTaskRun);

        var none = active[unknown];
        Assert.Equal(0, none.TotalTasks);
        Assert.All(none.StatusCount.Values, count => Assert.Equal(0, count));
        Assert.Equal(ProjectTaskStats.Statuses.Length, none.StatusCount.Count);
        Assert.Null(none.LastTaskRun);
    }
}
