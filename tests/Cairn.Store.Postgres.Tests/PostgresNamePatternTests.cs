using Cairn.Core.Errors;
using Cairn.Core.Projects;
using Cairn.Core.Querying;
using Cairn.Store.Contracts;
using Xunit;

namespace Cairn.Store.Postgres.Tests;

/// <summary>What only the PostgreSQL store does with name patterns: refuse those it cannot evaluate faithfully.</summary>
public sealed class PostgresNamePatternTests() : StoreContract(new PostgresStoreProvider())
{
    [Fact]
    public async Task A_query_with_a_pattern_PostgreSQL_cannot_evaluate_faithfully_is_a_400_naming_it_and_reads_no_rows()
    {
        await Store.Projects.CreateAsync(new NewProject(Company, "user", ProjectName.Parse("aaa"), null, [], [], null), Now);
        var query = new EntityQuery([new PatternCondition(["name"], PythonRegex.Translate("(a)\\1"), false, false)], [], 0, 10);

        var error = await Assert.ThrowsAsync<CairnException>(() => Store.Projects.QueryAsync(Company, query));

        Assert.Equal((400, 21), (error.Error.Code, error.Error.Subcode));
        Assert.Contains("back-reference", error.Message);
        Assert.Equal("(a)\\1", error.ErrorData["regex"]);
    }

    [Fact]
    public async Task A_dot_in_a_name_pattern_does_not_match_a_newline_as_in_Python()
    {
        await Store.Projects.CreateAsync(new NewProject(Company, "user", ProjectName.Parse("base-x"), null, [], [], null), Now);
        await Store.Projects.CreateAsync(new NewProject(Company, "user", ProjectName.Parse("base\nx"), null, [], [], null), Now);
        var query = new EntityQuery([new PatternCondition(["name"], PythonRegex.Translate("^base.x$"), false, false)], [], 0, 10);

        Assert.Equal(["base-x"], (await Store.Projects.QueryAsync(Company, query)).Select(p => p.Name));
    }
}
