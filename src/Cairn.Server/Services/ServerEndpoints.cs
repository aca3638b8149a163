using System.Security.Cryptography;
using System.Text;
using Cairn.Protocol;
using Cairn.Server.Api;
using Cairn.Server.Auth;

namespace Cairn.Server.Services;

/// <summary><c>server.*</c> and <c>debug.*</c>: liveness and version information, no credentials needed.</summary>
public static class ServerEndpoints
{
    public static EndpointRegistry MapServerEndpoints(this EndpointRegistry registry)
    {
        registry
            .Add("server.info", _ => Task.FromResult<object?>(Info()), auth: AuthRequirement.None)
            .Add("server.info", call => Task.FromResult<object?>(new Dictionary<string, object?>(Info())
            {
                ["uid"] = call.Service<ServerIdentity>().Uid,
            }), "2.8", AuthRequirement.None)
            // ClearML's 2.12 handler builds on the 1.0 one, so it reports no uid.
            .Add("server.info", _ => Task.FromResult<object?>(new Dictionary<string, object?>(Info())
            {
                ["api_version"] = ApiVersion.Max.ToString(),
            }), "2.12", AuthRequirement.None)
            .Add("debug.ping", Ping, auth: AuthRequirement.None);
        return registry;
    }

    private static Dictionary<string, object?> Info() => new()
    {
        ["version"] = ServerVersion.Compatible,
        ["build"] = "cairn-" + ServerVersion.Cairn,
        ["commit"] = "",
    };

    private static Task<object?> Ping(ApiCall call)
    {
        var result = new System.Text.Json.Nodes.JsonObject { ["msg"] = "ClearML server" };
        foreach (var (key, value) in call.Body)
        {
            result[key] = value?.DeepClone();
        }
        if (call.Batch is { } batch)
        {
            result["batch"] = new System.Text.Json.Nodes.JsonArray(batch.Select(item => (System.Text.Json.Nodes.JsonNode?)item.DeepClone()).ToArray());
        }
        return Task.FromResult<object?>(result);
    }
}

/// <summary>The server's stable id, the same on every replica (derived from the shared signing key).</summary>
public sealed class ServerIdentity(byte[] signingKey)
{
    public string Uid { get; } = Convert.ToHexStringLower(
        SHA256.HashData([.. Encoding.UTF8.GetBytes("cairn-server-uid:"), .. signingKey]))[..32];
}
