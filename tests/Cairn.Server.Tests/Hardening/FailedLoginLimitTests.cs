using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Hardening;

/// <summary>Failed Basic authentications are limited per client address and per key: 429 with Retry-After, before any password hashing.</summary>
public sealed class FailedLoginLimitTests
{
    private static ApiClient Client(TestServer server, string key, string secret) =>
        new(server.ApiUrl, ApiClient.Basic(key, secret));

    [Fact]
    public async Task An_address_past_its_failures_gets_429_with_retry_after_even_with_the_right_secret_while_tokens_still_work()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:FailedAuthPerAddressPerMinute=5", "--Cairn:FailedAuthPerKeyPerMinute=0"]);
        using var good = server.Client();
        await good.LoginAsync();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = Client(server, $"unknown-key-{i}", "wrong-secret-0123456789");
            (await wrong.CallAsync("projects.get_all")).Fails(401, 22);
        }

        using var guesser = Client(server, "another-unknown-key", "wrong-secret-0123456789");
        var refused = (await guesser.CallAsync("projects.get_all")).Fails(429, 0);
        Assert.Contains("address", refused.Message, StringComparison.Ordinal);
        var retryAfter = int.Parse(refused.Http.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);

        using var right = server.Client();
        (await right.CallAsync("projects.get_all")).Fails(429, 0);
        // A signed-in client is not locked out: tokens cost no hashing and are not limited.
        (await good.CallAsync("projects.get_all")).Ok();
    }

    [Fact]
    public async Task A_key_past_its_failures_gets_429_while_other_keys_still_work()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:FailedAuthPerAddressPerMinute=0", "--Cairn:FailedAuthPerKeyPerMinute=3"]);
        using var wrong = Client(server, TestServer.AccessKey, "wrong-secret-0123456789");
        for (var i = 0; i < 3; i++)
        {
            (await wrong.CallAsync("auth.login")).Fails(401, 22);
        }
        var refused = (await wrong.CallAsync("auth.login")).Fails(429, 0);
        Assert.Contains("key", refused.Message, StringComparison.Ordinal);
        using var right = server.Client();
        (await right.CallAsync("auth.login")).Fails(429, 0);

        using var user = Client(server, TestServer.Username, TestServer.Password);
        (await user.CallAsync("auth.login")).Ok();
    }

    [Fact]
    public async Task Successful_logins_use_none_of_the_allowance()
    {
        await using var server = await TestServer.StartAsync(["--Cairn:FailedAuthPerAddressPerMinute=2", "--Cairn:FailedAuthPerKeyPerMinute=2"]);
        using var right = server.Client();
        for (var i = 0; i < 10; i++)
        {
            (await right.CallAsync("projects.get_all")).Ok();
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2000000")]
    public async Task A_limit_out_of_range_stops_the_start_naming_the_option(string value)
    {
        var e = await Assert.ThrowsAsync<Cairn.Server.Hosting.CairnStartupException>(() =>
            TestServer.StartAsync([$"--Cairn:FailedAuthPerKeyPerMinute={value}"]));
        Assert.Contains("Cairn:FailedAuthPerKeyPerMinute", e.Message, StringComparison.Ordinal);
    }
}
