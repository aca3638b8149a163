using Cairn.Testing;
using Xunit;

namespace Cairn.Cli.Tests;

/// <summary>Bad input: one line on stderr naming the problem, the documented exit code, no stack trace.</summary>
public sealed class CliErrorTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliProcess _cli = new(fixture.Server);

    public void Dispose() => _cli.Dispose();

    private static void AssertOneLine(CliResult result, int exitCode, string expected)
    {
        Assert.True(result.ExitCode == exitCode, $"exit {result.ExitCode}, stderr: {result.Stderr}");
        Assert.Equal("", result.Stdout);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("cairn: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_or_flag_is_a_usage_error()
    {
        var command = await _cli.RunAsync("models", "lst");
        AssertOneLine(command, 2, "Unrecognized command or argument 'lst'");
        Assert.Contains("See 'cairn models --help'.", command.Stderr, StringComparison.Ordinal);

        AssertOneLine(await _cli.RunAsync("models", "list", "--colour"), 2, "'--colour'");
        AssertOneLine(await _cli.RunAsync("models", "show"), 2, "Required argument missing");
    }

    [Fact]
    public async Task A_query_with_a_syntax_error_names_the_column_and_token()
    {
        var result = await _cli.RunAsync("models", "list", "--query", "tag:a tag:b");
        AssertOneLine(result, 2, "invalid query: Expected 'and', 'or' or the end of the query (column 7, at 'tag')");
        Assert.Single(result.Stderr.Trim().Split('\n'));

        AssertOneLine(await _cli.RunAsync("models", "list", "--query", "tag:a or framework:x"), 2, "(column 7, at 'or')");
    }

    [Fact]
    public async Task An_unknown_model_id_fails_with_the_servers_message()
    {
        var result = await _cli.RunAsync("models", "show", "0123456789abcdef0123456789abcdef");
        AssertOneLine(result, 1, "models.get_by_id failed with 400/201");
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Wrong_credentials_are_named_as_such()
    {
        _cli.Environment["CLEARML_API_SECRET_KEY"] = "not-the-secret";
        var result = await _cli.RunAsync("models", "list");
        AssertOneLine(result, 1, "the server refused the credentials");
    }

    [Fact]
    public async Task An_unreachable_server_is_one_line_and_verbose_adds_the_stack_trace()
    {
        _cli.Environment["CLEARML_API_HOST"] = $"http://127.0.0.1:{TestServer.FreePort()}";
        var result = await _cli.RunAsync("models", "list", "--retry-deadline", "1");
        AssertOneLine(result, 1, "cannot reach the server");
        Assert.Single(result.Stderr.Trim().Split('\n'));

        var verbose = await _cli.RunAsync("models", "list", "--retry-deadline", "1", "--verbose");
        Assert.Equal(1, verbose.ExitCode);
        Assert.Contains("   at ", verbose.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_configuration_says_how_to_configure()
    {
        using var bare = new CliProcess(null);
        var result = await bare.RunAsync("models", "list");
        AssertOneLine(result, 1, "run 'cairn login'");
    }

    [Fact]
    public async Task Help_lists_the_commands_and_examples_and_exits_zero()
    {
        var result = (await _cli.RunAsync("--help")).Ok();
        foreach (var command in new[] { "login", "whoami", "models", "projects", "tasks", "artifacts" })
        {
            Assert.Contains(command, result.Stdout, StringComparison.Ordinal);
        }
        var download = (await _cli.RunAsync("models", "download", "--help")).Ok();
        Assert.Contains("Examples:", download.Stdout, StringComparison.Ordinal);
        Assert.Contains("--query", download.Stdout, StringComparison.Ordinal);
    }
}
