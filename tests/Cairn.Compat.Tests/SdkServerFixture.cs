using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Compat.Tests;

/// <summary>One real server per test class for the SDK's scripts, with helpers to read back what they stored.</summary>
public sealed class SdkServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A project name of its own for each script run.</summary>
    public static string UniqueProject(string prefix) => $"Real SDK/{prefix} {Guid.NewGuid().ToString("N")[..8]}";

    public async Task<JsonObject> CallOkAsync(string endpoint, object body)
    {
        using var client = Server.Client();
        return (await client.CallAsync(endpoint, body)).Ok();
    }

    public async Task<ApiResponse> CallAsync(string endpoint, object body)
    {
        using var client = Server.Client();
        return await client.CallAsync(endpoint, body);
    }

    public async Task<JsonObject> ModelAsync(string id) => (await CallOkAsync("models.get_by_id", new { model = id }))["model"]!.AsObject();

    public async Task<JsonObject> TaskAsync(string id) => (await CallOkAsync("tasks.get_by_id", new { task = id }))["task"]!.AsObject();
}

internal static class Json
{
    public static string Text(this JsonNode? node) => node!.GetValue<string>();

    public static List<string> Strings(this JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToList();
}
