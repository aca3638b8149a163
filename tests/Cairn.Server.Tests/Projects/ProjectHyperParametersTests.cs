using Cairn.Server.Tests.Models;
using Cairn.Server.Tests.Tasks;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Projects;

/// <summary>
/// The web UI's hyper-parameter menus over HTTP: <c>projects.get_hyper_parameters</c> (the
/// sections and names in a project's tasks) and <c>projects.get_hyperparam_values</c> (the values of one).
/// </summary>
public sealed class ProjectHyperParametersTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private async Task<(string Parent, string Child, string Other)> ProjectsAsync(ApiClient client)
    {
        var parentName = ModelsApi.Unique("Params");
        var parent = (await client.CallAsync("projects.create", new { name = parentName })).Ok()["id"]!.GetValue<string>();
        var child = (await client.CallAsync("projects.create", new { name = parentName + "/Child" })).Ok()["id"]!.GetValue<string>();
        var other = await client.CreateProjectAsync("ParamsOther");
        return (parent, child, other);
    }

    private static async Task<string> TaskAsync(ApiClient client, string project, params (string Section, string Name, string Value)[] parameters)
    {
        var id = await client.CreateTaskAsync(extra: new { project });
        (await client.CallAsync("tasks.edit_hyper_params", new
        {
            task = id,
            hyperparams = parameters.Select(p => new { section = p.Section, name = p.Name, value = p.Value }).ToArray(),
        })).Ok();
        return id;
    }

    private static List<string> Pairs(System.Text.Json.Nodes.JsonObject answer) =>
        answer["parameters"]!.AsArray().Select(p => $"{p!["section"]!.GetValue<string>()}/{p["name"]!.GetValue<string>()}").ToList();

    [Fact]
    public async Task Hyper_parameters_are_the_distinct_sections_and_names_of_a_project_and_its_subprojects()
    {
        using var client = _server.Client();
        var (parent, child, other) = await ProjectsAsync(client);
        await TaskAsync(client, parent, ("Args", "lr.base", "0.1"), ("Args", "epochs", "10"));
        await TaskAsync(client, child, ("Args", "epochs", "20"), ("$env", "_seed", "7"));
        await TaskAsync(client, other, ("Elsewhere", "x", "1"));

        var deep = (await client.CallAsync("projects.get_hyper_parameters", new { project = parent })).Ok();
        // Ordered as stored (escaped): "%24env" sorts before "Args"; names come back unescaped.
        Assert.Equal(["$env/_seed", "Args/epochs", "Args/lr.base"], Pairs(deep));
        Assert.Equal(3, deep["total"]!.GetValue<int>());
        Assert.Equal(0, deep["remaining"]!.GetValue<int>());

        var shallow = (await client.CallAsync("projects.get_hyper_parameters", new { project = parent, include_subprojects = false })).Ok();
        Assert.Equal(["Args/epochs", "Args/lr.base"], Pairs(shallow));

        var first = (await client.CallAsync("projects.get_hyper_parameters", new { project = parent, page = 0, page_size = 2 })).Ok();
        Assert.Equal(["$env/_seed", "Args/epochs"], Pairs(first));
        Assert.Equal(1, first["remaining"]!.GetValue<int>());
        Assert.Equal(3, first["total"]!.GetValue<int>());
        var second = (await client.CallAsync("projects.get_hyper_parameters", new { project = parent, page = 1, page_size = 2 })).Ok();
        Assert.Equal(["Args/lr.base"], Pairs(second));
        Assert.Equal(0, second["remaining"]!.GetValue<int>());
    }

    [Fact]
    public async Task Hyper_parameters_of_a_project_without_tasks_are_empty_and_bad_paging_is_a_validation_error()
    {
        using var client = _server.Client();
        var (parent, _, _) = await ProjectsAsync(client);
        var empty = (await client.CallAsync("projects.get_hyper_parameters", new { project = parent })).Ok();
        Assert.Empty(empty["parameters"]!.AsArray());
        Assert.Equal(0, empty["total"]!.GetValue<int>());
        (await client.CallAsync("projects.get_hyper_parameters", new { project = parent, page = -1 })).Fails(400, 12);
        (await client.CallAsync("projects.get_hyper_parameters", new { project = parent, page_size = 0 })).Fails(400, 12);
    }

    [Fact]
    public async Task Hyperparam_values_are_the_distinct_values_of_one_parameter_in_natural_order()
    {
        using var client = _server.Client();
        var (parent, child, other) = await ProjectsAsync(client);
        await TaskAsync(client, parent, ("Args", "epochs", "10"), ("Args", "lr.base", "0.1"));
        await TaskAsync(client, child, ("Args", "epochs", "9"));
        await TaskAsync(client, child, ("Args", "epochs", "10"));
        await TaskAsync(client, other, ("Args", "epochs", "99"));

        var values = (await client.CallAsync("projects.get_hyperparam_values", new { projects = new[] { parent }, section = "Args", name = "epochs" })).Ok();
        Assert.Equal(["9", "10"], values["values"].Strings());
        Assert.Equal(2, values["total"]!.GetValue<int>());
        Assert.False(values.ContainsKey("remaining")); // ClearML answers {total, values} only

        var shallow = (await client.CallAsync("projects.get_hyperparam_values", new { projects = new[] { parent }, section = "Args", name = "epochs", include_subprojects = false })).Ok();
        Assert.Equal(["10"], shallow["values"].Strings());

        var paged = (await client.CallAsync("projects.get_hyperparam_values", new { projects = new[] { parent }, section = "Args", name = "epochs", page = 1, page_size = 1 })).Ok();
        Assert.Equal(["10"], paged["values"].Strings());
        Assert.Equal(2, paged["total"]!.GetValue<int>());

        // A name with a dot is matched by its stored (escaped) form.
        var dotted = (await client.CallAsync("projects.get_hyperparam_values", new { projects = new[] { parent }, section = "Args", name = "lr.base" })).Ok();
        Assert.Equal(["0.1"], dotted["values"].Strings());

        var everywhere = (await client.CallAsync("projects.get_hyperparam_values", new { section = "Args", name = "epochs" })).Ok();
        Assert.Contains("99", everywhere["values"].Strings());
    }

    [Fact]
    public async Task Hyperparam_values_are_filtered_by_a_pattern_ignoring_case()
    {
        using var client = _server.Client();
        var (parent, _, _) = await ProjectsAsync(client);
        await TaskAsync(client, parent, ("Data", "set", "ImageNet"));
        await TaskAsync(client, parent, ("Data", "set", "imagenette"));
        await TaskAsync(client, parent, ("Data", "set", "CIFAR"));

        var found = (await client.CallAsync("projects.get_hyperparam_values", new { projects = new[] { parent }, section = "Data", name = "set", pattern = "^image" })).Ok();
        Assert.Equal(["ImageNet", "imagenette"], found["values"].Strings());
        Assert.Equal(2, found["total"]!.GetValue<int>());

        (await client.CallAsync("projects.get_hyperparam_values", new { projects = new[] { parent }, section = "Data", name = "set", pattern = "(" })).Fails(400, 21);
    }

    [Fact]
    public async Task Public_tasks_values_are_included_unless_allow_public_is_false()
    {
        using var client = _server.Client();
        var (parent, _, _) = await ProjectsAsync(client);
        await TaskAsync(client, parent, ("Args", "opt", "adam"));
        var shared = await TaskAsync(client, parent, ("Args", "opt", "sgd"));
        await MakePublicAsync(shared);

        var all = (await client.CallAsync("projects.get_hyperparam_values", new { projects = new[] { parent }, section = "Args", name = "opt" })).Ok();
        Assert.Equal(["adam", "sgd"], all["values"].Strings());
        var own = (await client.CallAsync("projects.get_hyperparam_values", new { projects = new[] { parent }, section = "Args", name = "opt", allow_public = false })).Ok();
        Assert.Equal(["adam"], own["values"].Strings());
    }

    [Fact]
    public async Task Hyperparam_values_need_a_section_and_a_name()
    {
        using var client = _server.Client();
        (await client.CallAsync("projects.get_hyperparam_values", new { name = "epochs" })).Fails(400, 11);
        (await client.CallAsync("projects.get_hyperparam_values", new { section = "Args" })).Fails(400, 11);
        var blank = (await client.CallAsync("projects.get_hyperparam_values", new { section = " ", name = "epochs" })).Ok();
        Assert.Equal(0, blank["total"]!.GetValue<int>());
    }

    private async Task MakePublicAsync(string taskId)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_server.DataDir, "cairn.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE tasks SET company = '' WHERE id = $id";
        command.Parameters.AddWithValue("$id", taskId);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
