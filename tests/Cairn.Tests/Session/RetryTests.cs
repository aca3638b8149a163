using Cairn.Configuration;
using Cairn.Session;
using Cairn.Testing;
using Xunit;

namespace Cairn.Tests.Session;

public sealed class RetryTests
{
    private static ClearMLSettings SettingsFor(Uri url, TimeSpan deadline) => new()
    {
        ApiHost = url,
        AccessKey = "key",
        SecretKey = "secret",
        RetryDeadline = deadline,
    };

    [Fact]
    public async Task A_503_then_429_then_200_is_retried_until_it_succeeds()
    {
        await using var fake = await FakeServer.StartAsync();
        fake.Answer = n => n switch { 1 => 503, 2 => 429, 3 => 502, _ => 200 };
        await using var session = new ClearMLSession(SettingsFor(fake.Url, TimeSpan.FromMinutes(1)));
        var data = await session.CallAsync("models.get_all", new { });
        Assert.True(data["answered"]!.GetValue<bool>());
        Assert.Equal(4, fake.Calls);
    }

    [Fact]
    public async Task Requests_carry_the_versioned_path_the_client_headers_and_the_bearer_token()
    {
        await using var fake = await FakeServer.StartAsync();
        await using var session = new ClearMLSession(SettingsFor(fake.Url, TimeSpan.FromMinutes(1)));
        await session.CallAsync("models.get_all", new { });
        var requests = fake.Requests.ToArray();
        Assert.Equal("/auth.login", requests[0].Path);
        Assert.StartsWith("Basic ", requests[0].Headers["Authorization"], StringComparison.Ordinal);
        Assert.Equal("/v2.23/models.get_all", requests[1].Path);
        Assert.StartsWith("Bearer ", requests[1].Headers["Authorization"], StringComparison.Ordinal);
        Assert.Equal(ClearMLSession.ClientName, requests[1].Headers["X-ClearML-Client"]);
        Assert.Equal(ClearMLSession.ClientName, requests[1].Headers["X-Trains-Client"]);
        Assert.False(string.IsNullOrEmpty(requests[1].Headers["X-ClearML-Worker"]));
    }

    [Fact]
    public async Task Transient_failures_stop_at_the_retry_deadline_with_the_last_status()
    {
        await using var fake = await FakeServer.StartAsync();
        fake.Answer = _ => 503;
        await using var session = new ClearMLSession(SettingsFor(fake.Url, TimeSpan.FromSeconds(1)));
        var e = await Assert.ThrowsAsync<ClearMLRequestException>(() => session.CallAsync("models.get_all", new { }));
        Assert.Equal(503, e.ResultCode);
        Assert.Equal("fake-trx", e.TransactionId);
        Assert.Contains("gave up", e.Message, StringComparison.Ordinal);
        Assert.True(fake.Calls > 1, $"only {fake.Calls} attempt(s) were made");
    }

    [Fact]
    public async Task A_server_that_is_not_there_fails_at_the_deadline_with_the_connection_error()
    {
        var url = new Uri($"http://127.0.0.1:{TestServer.FreePort()}/");
        await using var session = new ClearMLSession(SettingsFor(url, TimeSpan.FromSeconds(1)));
        var e = await Assert.ThrowsAsync<ClearMLRequestException>(() => session.CallAsync("models.get_all", new { }));
        Assert.Equal(0, e.ResultCode);
        Assert.Equal("auth.login", e.Endpoint);
        Assert.IsType<HttpRequestException>(e.InnerException);
    }

    [Fact]
    public async Task Cancelling_during_the_retries_stops_them_at_once()
    {
        await using var fake = await FakeServer.StartAsync();
        using var cancellation = new CancellationTokenSource();
        fake.Answer = n =>
        {
            if (n == 2)
            {
                cancellation.Cancel();
            }
            return 503;
        };
        await using var session = new ClearMLSession(SettingsFor(fake.Url, TimeSpan.FromMinutes(5)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.CallAsync("models.get_all", new { }, cancellation.Token));
        Assert.InRange(fake.Calls, 2, 3);
    }

    [Fact]
    public async Task A_502_is_retried_for_a_read_but_not_for_a_create_that_may_have_been_processed()
    {
        await using var fake = await FakeServer.StartAsync();
        fake.Answer = n => n == 1 ? 502 : 200;
        await using var session = new ClearMLSession(SettingsFor(fake.Url, TimeSpan.FromMinutes(1)));
        await session.CallAsync("models.get_all", new { });
        Assert.Equal(2, fake.Calls);

        fake.Answer = n => n == 3 ? 504 : 200;
        var e = await Assert.ThrowsAsync<ClearMLRequestException>(() => session.CallAsync("models.create", new { }));
        Assert.Equal(504, e.ResultCode);
        Assert.Equal(3, fake.Calls);

        fake.Answer = n => n == 4 ? 503 : 200;
        await session.CallAsync("tasks.create", new { });
        Assert.Equal(5, fake.Calls);
    }

    [Fact]
    public async Task One_attempt_that_hangs_past_the_deadline_gives_up_at_the_deadline()
    {
        await using var fake = await FakeServer.StartAsync();
        fake.Delay = TimeSpan.FromMinutes(2);
        await using var session = new ClearMLSession(SettingsFor(fake.Url, TimeSpan.FromSeconds(1)));
        var e = await Assert.ThrowsAsync<ClearMLRequestException>(() => session.CallAsync("models.get_all", new { }));
        Assert.Contains("gave up", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, fake.Calls);
    }

    [Fact]
    public async Task Cancelling_a_call_in_flight_stops_it()
    {
        await using var fake = await FakeServer.StartAsync();
        fake.Delay = TimeSpan.FromMinutes(2);
        using var cancellation = new CancellationTokenSource();
        await using var session = new ClearMLSession(SettingsFor(fake.Url, TimeSpan.FromMinutes(5)));
        var call = session.CallAsync("models.get_all", new { }, cancellation.Token);
        while (fake.Calls == 0)
        {
            await Task.Delay(10);
        }
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public static void Only_idempotent_calls_are_retried_after_the_server_may_have_processed_them()
    {
        Assert.True(RetryRule.IsIdempotent("models.get_all_ex"));
        Assert.True(RetryRule.IsIdempotent("tasks.add_or_update_artifacts"));
        Assert.True(RetryRule.IsIdempotent("models.set_ready"));
        Assert.True(RetryRule.IsIdempotent("auth.login"));
        Assert.False(RetryRule.IsIdempotent("models.create"));
        Assert.False(RetryRule.IsIdempotent("events.add_batch"));
        Assert.False(RetryRule.IsIdempotent("projects.create"));
        Assert.True(RetryRule.MayRetry("events.add_batch", unsent: true));
    }

    [Fact]
    public async Task The_login_sends_no_body_and_a_token_without_a_version_means_the_client_version()
    {
        await using var fake = await FakeServer.StartAsync();
        fake.LoginApiVersion = null;
        await using var session = new ClearMLSession(SettingsFor(fake.Url, TimeSpan.FromMinutes(1)));
        await session.CallAsync("models.get_all", new { });
        Assert.Equal("", Assert.Single(fake.LoginBodies));
        Assert.Equal(["/auth.login", "/v2.23/models.get_all"], fake.Requests.Select(r => r.Path));
        Assert.Equal("2.23", session.ServerApiVersion);
    }

    [Fact]
    public async Task A_flush_cancelled_while_its_batch_is_in_flight_still_stores_the_batch()
    {
        await using var fake = await FakeServer.StartAsync();
        await using var session = new ClearMLSession(SettingsFor(fake.Url, TimeSpan.FromMinutes(1)));
        await session.GetTokenAsync();
        fake.Delay = TimeSpan.FromMilliseconds(500);
        var batcher = new Cairn.Reporting.EventBatcher(session);
        batcher.Add(new Cairn.Protocol.Services.ReportEventDto { Type = "training_stats_scalar" });
        using var cancellation = new CancellationTokenSource();
        var flush = batcher.FlushAsync(cancellation.Token);
        while (fake.Calls == 0)
        {
            await Task.Delay(10);
        }
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush);
        await batcher.FlushAsync(CancellationToken.None);
        Assert.Equal(1, fake.Answered);
    }
}
