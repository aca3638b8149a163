using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.ModelDetail;

[Collection(DetailPagesCollection.Name)]
public sealed class StoredWeightsTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task General_shows_the_size_and_SHA256_the_file_server_recorded_for_the_weights()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("weights"));
        var bytes = new byte[300_000];
        Random.Shared.NextBytes(bytes);
        var path = $"{project}/weights/{Guid.NewGuid():N}.bin";
        using var api = web.Api();
        var token = await api.LoginAsync();
        using (var files = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{web.Server.FilesPort}/") })
        {
            files.DefaultRequestHeaders.Authorization = ApiClient.Bearer(token);
            using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "/" + path, "weights.bin" } };
            using var response = await files.PostAsync("", form);
            response.EnsureSuccessStatusCode();
        }
        var filesUrl = web.Server.Service<CairnWebOptions>().FilesUrl;
        var body = new JsonObject { ["name"] = "stored weights", ["project"] = project, ["uri"] = $"{filesUrl}/{path}", ["framework"] = "ONNX" };
        var model = (await api.CallAsync("models.create", body)).Ok()["id"]!.GetValue<string>();

        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/general");
        await Assertions.Expect(page.Locator("[data-testid=model-size]")).ToHaveTextAsync("292.97 KB");
        await Assertions.Expect(page.Locator("[data-testid=model-sha256]")).ToHaveTextAsync(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        await WebFixture.ScreenshotAsync(page, "model-stored-weights");
    }
}
