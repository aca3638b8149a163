using System.Collections.Concurrent;
using System.Diagnostics;
using Cairn.Configuration;
using Cairn.Session;
using Cairn.Testing;
using Npgsql;
using Xunit;

namespace Cairn.Tests.Session;

/// <summary>
/// The SDK against a real server whose PostgreSQL goes away (a TCP link the test cuts): the
/// server's 503s are retried, and the call made during the outage succeeds once the link is
/// back, with nothing restarted.
/// </summary>
public sealed class DatabaseOutageRetryTests
{
    [Fact]
    public async Task A_call_made_while_PostgreSQL_is_unreachable_is_retried_and_succeeds_when_it_returns()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var target = new NpgsqlConnectionStringBuilder(TestPostgres.ConnectionStringFor(database));
        await using var link = new TcpForwarder(target.Host!, target.Port);
        var viaLink = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Host = "127.0.0.1", Port = link.Port, Timeout = 5 };
        try
        {
            await using var server = await TestServer.StartAsync(
                ["--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={viaLink.ConnectionString}"]);
            var statuses = new StatusRecorder();
            await using var session = new ClearMLSession(new ClearMLSettings
            {
                ApiHost = server.ApiUrl,
                AccessKey = TestServer.AccessKey,
                SecretKey = TestServer.SecretKey,
                RetryDeadline = TimeSpan.FromSeconds(90),
            }, handler: statuses);
            var project = (await session.CallAsync("projects.create", new { name = "before the outage", description = "" }))["id"]!.GetValue<string>();

            link.Cut();
            var during = session.CallAsync("projects.get_all", new { id = new[] { project } });
            var watch = Stopwatch.StartNew();
            while (statuses.Count(503) == 0)
            {
                Assert.False(during.IsCompleted, "the call ended before the server answered 503");
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"no 503 within a minute; statuses: {string.Join(", ", statuses.All)}");
                await Task.Delay(50);
            }
            Assert.False(during.IsCompleted);

            link.Restore();
            var projects = (await during.WaitAsync(TimeSpan.FromSeconds(90)))["projects"]!.AsArray();
            Assert.Equal("before the outage", Assert.Single(projects)!["name"]!.GetValue<string>());
            Assert.DoesNotContain(500, statuses.All);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    /// <summary>Passes every request to the server and records the HTTP status of each answer.</summary>
    private sealed class StatusRecorder() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly ConcurrentQueue<int> _statuses = new();

        public IReadOnlyCollection<int> All => [.. _statuses];

        public int Count(int status) => _statuses.Count(s => s == status);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            _statuses.Enqueue((int)response.StatusCode);
            return response;
        }
    }
}
