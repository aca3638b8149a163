using System.Net.Http.Headers;
using System.Text;
using Cairn.Server.Api;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Hardening;

/// <summary>
/// Every endpoint that needs credentials, with every kind of bad credentials: 401 with ClearML's
/// subcode, in the envelope, and nothing stored changes.
/// </summary>
public sealed class AuthMatrixTests
{
    private sealed record BadCredentials(string Name, int Subcode, AuthenticationHeaderValue? Header, string? Cookie = null);

    [Fact]
    public async Task Every_endpoint_refuses_every_kind_of_bad_credentials_with_401_and_its_subcode_and_writes_nothing()
    {
        // No failed-login limit here: the matrix is thousands of failures from one address.
        await using var server = await TestServer.StartAsync(["--Cairn:FailedAuthPerAddressPerMinute=0", "--Cairn:FailedAuthPerKeyPerMinute=0"]);
        using var setup = server.Client();
        var token = await setup.LoginAsync();
        var payload = Jwt.Payload(token);

        var expired = payload.DeepClone().AsObject();
        expired["exp"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        var noIdentity = payload.DeepClone().AsObject();
        noIdentity.Remove("identity");

        string revoked;
        using (var revoker = server.Client())
        {
            revoked = await revoker.LoginAsync();
            (await revoker.CallAsync("auth.logout")).Ok();
        }
        using var keyMaker = server.Client();
        var created = (await keyMaker.CallAsync("auth.create_credentials", new { label = "to revoke" })).Ok()["credentials"]!;
        var (revokedKey, revokedSecret) = (created["access_key"]!.GetValue<string>(), created["secret_key"]!.GetValue<string>());
        (await keyMaker.CallAsync("auth.revoke_credentials", new { access_key = revokedKey })).Ok();

        static AuthenticationHeaderValue Basic(string raw) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)));
        BadCredentials[] cases =
        [
            new("missing", 20, null),
            new("empty cookie", 20, null, Cookie: ""),
            new("unknown scheme", 10, new AuthenticationHeaderValue("Digest", "abc")),
            new("basic not base64", 21, new AuthenticationHeaderValue("Basic", "%%%not-base64%%%")),
            new("basic without colon", 21, Basic("no-colon-here")),
            new("basic with empty key", 21, Basic(":secret")),
            new("unknown key", 22, Basic("UNKNOWNKEY000000:whatever-secret")),
            new("wrong secret", 22, Basic($"{TestServer.AccessKey}:wrong-secret-0123456789")),
            new("wrong password", 22, Basic($"{TestServer.Username}:wrong-password")),
            new("revoked key", 22, Basic($"{revokedKey}:{revokedSecret}")),
            new("garbage token", 30, ApiClient.Bearer("not.a.token")),
            new("empty bearer", 30, new AuthenticationHeaderValue("Bearer")),
            new("expired token", 30, ApiClient.Bearer(Jwt.Sign(expired, TestServer.SigningKey))),
            new("foreign-key token", 30, ApiClient.Bearer(Jwt.Sign(payload, "another-signing-key-0123456789abcdefghijklmnop"))),
            new("token without identity", 30, ApiClient.Bearer(Jwt.Sign(noIdentity, TestServer.SigningKey))),
            new("revoked token", 30, ApiClient.Bearer(revoked)),
            new("garbage cookie", 30, null, Cookie: "not.a.token"),
        ];

        var endpoints = server.Service<EndpointRegistry>().Endpoints.Where(e => e.Auth == AuthRequirement.Required).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        Assert.True(endpoints.Count > 80, $"only {endpoints.Count} endpoints");
        var before = await StoreFingerprint.OfAsync(server);

        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = server.ApiUrl };
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            foreach (var bad in cases)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"v{endpoint.MinVersion}/{endpoint.Name}")
                {
                    Content = new StringContent("""{"id": "x", "task": "x", "model": "x", "project": "x", "name": "matrix"}""", Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = bad.Header;
                if (bad.Cookie is not null)
                {
                    request.Headers.Add("Cookie", $"clearml_token_basic={bad.Cookie}");
                }
                var response = await ApiClient.ParseAsync(await http.SendAsync(request));
                if (response.Status != 401 || response.Code != 401 || response.Subcode != bad.Subcode || response.Data.Count != 0)
                {
                    failures.Add($"{endpoint.Name} × {bad.Name}: HTTP {response.Status}, {response.Code}/{response.Subcode}: {response.Message}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(30)));
        Assert.Equal(before, await StoreFingerprint.OfAsync(server));
    }
}
