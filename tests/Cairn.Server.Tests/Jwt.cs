using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cairn.Server.Tests;

/// <summary>Reads and forges HS256 tokens independently of the server's own token code.</summary>
internal static class Jwt
{
    public static JsonObject Header(string token) =>
        JsonNode.Parse(FromBase64Url(token.Split('.')[0]))!.AsObject();

    public static JsonObject Payload(string token) =>
        JsonNode.Parse(FromBase64Url(token.Split('.')[1]))!.AsObject();

    public static string Sign(JsonObject payload, string key)
    {
        var header = ToBase64Url(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
        var body = ToBase64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes($"{header}.{body}"));
        return $"{header}.{body}.{ToBase64Url(signature)}";
    }

    private static string ToBase64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }

    public static JsonElement ToElement(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;
}
