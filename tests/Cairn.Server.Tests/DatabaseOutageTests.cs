using Cairn.Testing;
using Npgsql;
using Xunit;

namespace Cairn.Server.Tests;

/// <summary>
/// A database that goes away mid-run: the server answers 503 in ClearML's envelope (which the
/// SDKs retry), not a 500 and not a hang, and serves again by itself once the database is back.
/// The server talks to the real PostgreSQL through a TCP forwarder the test cuts and restores
/// (the network between replica and database failing, or the database restarting).
/// </summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task Calls_while_PostgreSQL_is_unreachable_get_503_and_the_server_recovers_when_it_returns()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var target = new NpgsqlConnectionStringBuilder(TestPostgres.ConnectionStringFor(database));
        await using var link = new TcpForwarder(target.Host!, target.Port);
        var viaLink = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Host = "127.0.0.1", Port = link.Port, Timeout = 5 };
        try
        {
            await using var server = await TestServer.StartAsync(
                ["--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={viaLink.ConnectionString}"]);
            using var client = server.Client();
            (await client.CallAsync("projects.create", new { name = "before the outage", description = "" })).Ok();
            using var bearer = server.Client();
            await bearer.LoginAsync();

            link.Cut();
            var basic = await client.CallAsync("projects.get_all", new { });
            var withToken = await bearer.CallAsync("projects.get_all", new { });

            foreach (var response in new[] { basic, withToken })
            {
                Assert.Equal(503, response.Status);
                Assert.Equal(503, response.Code);
                Assert.StartsWith("Service unavailable (the PostgreSQL database 127.0.0.1:", response.Message, StringComparison.Ordinal);
                Assert.Contains("try again", response.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(target.Password ?? "no password set", response.Message, StringComparison.Ordinal);
                Assert.Equal("1", response.Http.Headers.RetryAfter?.ToString());
            }

            link.Restore();
            var projects = (await client.CallAsync("projects.get_all", new { })).Ok()["projects"]!.AsArray();
            Assert.Contains(projects, p => p!["name"]!.GetValue<string>() == "before the outage");
            (await bearer.CallAsync("projects.get_all", new { })).Ok();
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }
}
