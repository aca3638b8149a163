using Cairn.Core.Querying;
using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Hardening;

/// <summary>
/// A <c>get_all</c> query runs under a budget for the whole query (Cairn:QueryTimeout), enforced by
/// interrupting the database statement, so a costly regex cannot hold the server.
/// </summary>
public sealed class QueryBudgetTests
{
    private const string Pathological = "^(a|aa)+$";

    /// <summary>
    /// 200 models whose names make <see cref="Pathological"/> backtrack (10,946 ways to split 20
    /// a's): milliseconds a name, well under the 0.2 s a regex may take on one value, but much
    /// longer than the test's budget for all 200.
    /// </summary>
    private static async Task<string> SeedAsync(TestServer server, string name)
    {
        using var client = server.Client();
        var project = await client.CreateProjectAsync("budget");
        for (var i = 0; i < 200; i += 20)
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.CreateModelAsync(name, new { project })));
        }
        return project;
    }

    [Fact]
    public async Task Pathological_regex_queries_are_stopped_at_the_budget_with_400_21_naming_the_pattern_while_pings_answer()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:QueryTimeout=00:00:00.1"]);
        var project = await SeedAsync(server, new string('a', 20) + "!");

        using var client = server.Client();
        var answers = new System.Collections.Concurrent.ConcurrentBag<ApiResponse>();
        // Four clients keep the server busy with pathological queries for several budgets in a row.
        var workers = Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var i = 0; i < 5; i++)
            {
                answers.Add(await client.CallAsync("v2.23/models.get_all", new { name = Pathological, project = new[] { project } }));
            }
        }).ToList();
        using (var other = server.Client(authenticated: false))
        {
            for (var i = 0; i < 3; i++)
            {
                (await other.CallAsync("debug.ping")).Ok();
            }
        }
        // Five budgets per worker is 0.5 s at the least; three pings take milliseconds, so the
        // workers are still at it when the pings have been answered.
        Assert.Contains(workers, w => !w.IsCompleted);
        await Task.WhenAll(workers);

        Assert.Equal(20, answers.Count);
        foreach (var answer in answers)
        {
            answer.Fails(400, 21);
            Assert.Contains($"'{Pathological}'", answer.Message, StringComparison.Ordinal);
            // Stopped by the query's budget or, when one value's match alone outlasts the
            // per-value timeout first (a loaded machine; the budget is checked between SQLite
            // steps, not inside one match), by that timeout: both bound the request.
            Assert.True(answer.Message.Contains("0.1 s budget", StringComparison.Ordinal)
                || answer.Message.Contains($"took longer than {PythonRegex.MatchTimeout.TotalSeconds:0.###} s on one value", StringComparison.Ordinal),
                answer.Message);
        }
        // The interrupted connections go back to the pool and serve later queries.
        for (var i = 0; i < 8; i++)
        {
            var rows = (await client.CallAsync("v2.23/models.get_all", new { name = "^a+!$", project = new[] { project }, page_size = 500 })).Ok();
            Assert.Equal(200, rows["models"]!.AsArray().Count);
        }
    }

    [Fact]
    public async Task A_pattern_too_costly_for_one_value_is_400_21_naming_it()
    {
        await using var server = await TestServer.StartAsync();
        var project = await SeedAsync(server, new string('a', 40) + "!");
        using var client = server.Client();
        var answer = (await client.CallAsync("v2.23/models.get_all", new { name = Pathological, project = new[] { project } })).Fails(400, 21);
        Assert.Contains($"'{Pathological}'", answer.Message, StringComparison.Ordinal);
        Assert.Contains("on one value", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tasks_and_projects_queries_have_the_budget_too()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:QueryTimeout=00:00:00.05"]);
        using var client = server.Client();
        var name = new string('a', 20) + "!";
        for (var i = 0; i < 200; i += 20)
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(j => client.CallAsync("projects.create", new { name = $"{name}{i + j}" })));
        }
        var pattern = "^(a|aa)+!?$";
        var projects = (await client.CallAsync("projects.get_all", new { name = pattern })).Fails(400, 21);
        Assert.Contains(pattern, projects.Message, StringComparison.Ordinal);
        Assert.Contains("budget", projects.Message, StringComparison.Ordinal);

        for (var i = 0; i < 200; i += 20)
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(j => client.CallAsync("tasks.create", new { name = $"{name}{i + j}", type = "training" })));
        }
        var tasks = (await client.CallAsync("tasks.get_all", new { name = pattern })).Fails(400, 21);
        Assert.Contains("budget", tasks.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("01:00:00")]
    public async Task A_budget_out_of_range_stops_the_start_naming_the_option(string value)
    {
        var e = await Assert.ThrowsAsync<Cairn.Server.Hosting.CairnStartupException>(() =>
            TestServer.StartAsync([$"--Cairn:QueryTimeout={value}"]));
        Assert.Contains("Cairn:QueryTimeout", e.Message, StringComparison.Ordinal);
    }
}
