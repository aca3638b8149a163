using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary>Paging (with its 500 cap) and scrolling of models.get_all (api.md §4.8).</summary>
public sealed class ModelsPagingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static async Task<string> ProjectWithModelsAsync(ApiClient client, string prefix, int count)
    {
        var project = await client.CreateProjectAsync(prefix);
        for (var i = 0; i < count; i++)
        {
            await client.CreateModelAsync($"Paged {i}", new { project });
        }
        return project;
    }

    private static async Task<List<string>> NamesAsync(ApiClient client, object body) => (await client.GetAllModelsAsync(body)).Names();

    [Fact]
    public async Task Page_and_page_size_window_the_ordered_results()
    {
        using var client = _server.Client();
        var project = await ProjectWithModelsAsync(client, "Paging window", 5);
        var scope = new[] { project };
        Assert.Equal(["Paged 0", "Paged 1"], await NamesAsync(client, new { project = scope, order_by = "name", page = 0, page_size = 2 }));
        Assert.Equal(["Paged 2", "Paged 3"], await NamesAsync(client, new { project = scope, order_by = "name", page = 1, page_size = 2 }));
        Assert.Equal(["Paged 4"], await NamesAsync(client, new { project = scope, order_by = "name", page = 2, page_size = 2 }));
        Assert.Empty(await NamesAsync(client, new { project = scope, order_by = "name", page = 3, page_size = 2 }));
        Assert.Equal(["Paged 4", "Paged 3"], await NamesAsync(client, new { project = scope, order_by = "-name", page_size = 2 }));
        // page alone keeps the default page size of 500, so page 1 of five models is empty.
        Assert.Empty(await NamesAsync(client, new { project = scope, page = 1 }));
        Assert.Equal(5, (await NamesAsync(client, new { project = scope, page = 0 })).Count);
    }

    [Fact]
    public async Task Negative_page_or_non_positive_page_size_is_400_12()
    {
        using var client = _server.Client();
        (await client.CallAsync("models.get_all", new { page = -1 })).Fails(400, 12);
        (await client.CallAsync("models.get_all", new { page_size = 0 })).Fails(400, 12);
        (await client.CallAsync("models.get_all", new { page_size = -5 })).Fails(400, 12);
        (await client.CallAsync("models.get_all", new { page = "first" })).Fails(400, 12);
    }

    [Fact]
    public async Task Every_get_all_returns_at_most_500_models()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Paging cap");
        const int Total = 505;
        for (var start = 0; start < Total; start += 25)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(25, Total - start)).Select(async i =>
            {
                using var batchClient = _server.Client();
                await batchClient.CreateModelAsync($"Capped {i:D3}", new { project });
            }));
        }
        var scope = new[] { project };
        Assert.Equal(500, (await client.GetAllModelsAsync(new { project = scope, only_fields = new[] { "id" } })).Count);
        Assert.Equal(500, (await client.GetAllModelsAsync(new { project = scope, page_size = 1000, only_fields = new[] { "id" } })).Count);
        Assert.Equal(500, (await client.GetAllModelsAsync(new { project = scope, only_fields = new[] { "id" } }, "models.get_all_ex")).Count);
        Assert.Equal(["Capped 500", "Capped 501", "Capped 502", "Capped 503", "Capped 504"],
            await NamesAsync(client, new { project = scope, order_by = "name", page = 1 }));
        Assert.Equal(["Capped 500", "Capped 501", "Capped 502", "Capped 503", "Capped 504"],
            await NamesAsync(client, new { project = scope, order_by = "name", page = 1, page_size = 1000 }));
    }

    [Fact]
    public async Task A_scroll_walks_the_results_and_continues_on_another_replica()
    {
        using var client = _server.Client();
        var project = await ProjectWithModelsAsync(client, "Scrolled", 5);
        var scope = new[] { project };
        var first = (await client.CallAsync("models.get_all", new { project = scope, order_by = "name", scroll_id = (string?)null, size = 2 })).Ok();
        var scrollId = first["scroll_id"].Text();
        Assert.False(string.IsNullOrEmpty(scrollId));
        Assert.Equal(["Paged 0", "Paged 1"], first["models"]!.AsArray().Names());

        await using (var replica = await TestServer.StartAsync(dataDir: _server.DataDir))
        {
            using var onReplica = replica.Client();
            var second = (await onReplica.CallAsync("models.get_all", new { project = scope, order_by = "name", scroll_id = scrollId, size = 2 })).Ok();
            Assert.Equal(scrollId, second["scroll_id"].Text());
            Assert.Equal(["Paged 2", "Paged 3"], second["models"]!.AsArray().Names());
        }

        // page and page_size are ignored while scrolling.
        var third = (await client.CallAsync("models.get_all", new { project = scope, order_by = "name", scroll_id = scrollId, size = 2, page = 0, page_size = 1 })).Ok();
        Assert.Equal(["Paged 4"], third["models"]!.AsArray().Names());
        var exhausted = (await client.CallAsync("models.get_all", new { project = scope, order_by = "name", scroll_id = scrollId, size = 2 })).Ok();
        Assert.Empty(exhausted["models"]!.AsArray());

        var refreshed = (await client.CallAsync("models.get_all", new { project = scope, order_by = "name", scroll_id = scrollId, size = 2, refresh_scroll = true })).Ok();
        Assert.Equal(["Paged 0", "Paged 1", "Paged 2", "Paged 3", "Paged 4"], refreshed["models"]!.AsArray().Names());
    }

    [Fact]
    public async Task An_empty_or_unknown_scroll_id_starts_a_new_scroll()
    {
        using var client = _server.Client();
        var project = await ProjectWithModelsAsync(client, "Scroll fresh", 3);
        var scope = new[] { project };
        var fromEmpty = (await client.CallAsync("models.get_all", new { project = scope, order_by = "name", scroll_id = "", size = 2 })).Ok();
        Assert.Equal(["Paged 0", "Paged 1"], fromEmpty["models"]!.AsArray().Names());
        var fromUnknown = (await client.CallAsync("models.get_all", new { project = scope, order_by = "name", scroll_id = "no-such-scroll", size = 2 })).Ok();
        Assert.Equal(["Paged 0", "Paged 1"], fromUnknown["models"]!.AsArray().Names());
        Assert.NotEqual(fromEmpty["scroll_id"].Text(), fromUnknown["scroll_id"].Text());
    }

    [Fact]
    public async Task A_scroll_id_without_a_positive_size_is_400_12()
    {
        using var client = _server.Client();
        (await client.CallAsync("models.get_all", new { scroll_id = (string?)null })).Fails(400, 12);
        (await client.CallAsync("models.get_all", new { scroll_id = "", size = 0 })).Fails(400, 12);
    }
}
