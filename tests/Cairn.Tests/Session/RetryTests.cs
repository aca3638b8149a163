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
}
