using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Testing;

namespace Cairn.Server.Tests.Models;

/// <summary>The models-service calls the model tests share, made over HTTP like any client.</summary>
internal static class ModelsApi
{
    /// <summary>The company of the seeded test user.</summary>
    public const string Company = "d1bd92a3b039400cbafc60a7a5b1e52b";

    /// <summary>A well-formed id no entity has.</summary>
    public const string MissingId = "0123456789abcdef0123456789abcdef";

    /// <summary>A name no other test uses, so tests sharing a server do not see each other's rows.</summary>
    public static string Unique(string prefix) => $"{prefix} {Guid.NewGuid().ToString("N")[..12]}";

    /// <summary>A request body as a mutable JSON object.</summary>
    public static JsonObject Body(object? body) =>
        body as JsonObject ?? JsonNode.Parse(JsonSerializer.Serialize(body ?? new { }))!.AsObject();

    public static async Task<string> CreateProjectAsync(this ApiClient client, string prefix)
    {
        var response = await client.CallAsync("projects.create", new { name = Unique(prefix) });
        return response.Ok()["id"]!.GetValue<string>();
    }

    /// <summary>Creates a model; <paramref name="extra"/> adds or overrides request fields (uri defaults to an s3 url).</summary>
    public static async Task<string> CreateModelAsync(this ApiClient client, string name, object? extra = null)
    {
        var body = Body(extra);
        body["name"] = name;
        if (!body.ContainsKey("uri"))
        {
            body["uri"] = "s3://bucket/models/weights.bin";
        }
        var data = (await client.CallAsync("models.create", body)).Ok();
        return data["id"]!.GetValue<string>();
    }

    /// <summary><c>models.get_by_id</c>; <paramref name="version"/> is a path prefix such as <c>v2.16/</c>.</summary>
    public static async Task<JsonObject> GetModelAsync(this ApiClient client, string id, string version = "") =>
        (await client.CallAsync($"{version}models.get_by_id", new { model = id })).Ok()["model"]!.AsObject();

    public static async Task<JsonArray> GetAllModelsAsync(this ApiClient client, object body, string endpoint = "models.get_all") =>
        (await client.CallAsync(endpoint, body)).Ok()["models"]!.AsArray();

    public static List<string> Names(this JsonArray models) => models.Select(m => m!["name"]!.GetValue<string>()).ToList();

    public static List<string> Ids(this JsonArray models) => models.Select(m => m!["id"]!.GetValue<string>()).ToList();

    public static List<string> Strings(this JsonNode? array) => array!.AsArray().Select(t => t!.GetValue<string>()).ToList();

    public static string Text(this JsonNode? node) => node!.GetValue<string>();

    public static List<string> Keys(this JsonNode? node) => node!.AsObject().Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
}
