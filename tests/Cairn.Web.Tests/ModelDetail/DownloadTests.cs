using System.Net;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.ModelDetail;

/// <summary>
/// Files on Cairn's file server downloaded in the browser: the browser holds a session cookie, not
/// a file-server token, so the UI's download route fetches them as the signed-in user.
/// </summary>
[Collection(DetailPagesCollection.Name)]
public sealed class DownloadTests(WebFixture web) : IClassFixture<WebFixture>
{
    /// <summary>Stores random bytes on the file server under the project and returns their address.</summary>
    private async Task<(string Uri, byte[] Bytes)> StoreAsync(ApiClient api, string project, string name, int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        var path = $"{project}/{Guid.NewGuid():N}/{name}";
        var token = await api.LoginAsync();
        using (var files = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{web.Server.FilesPort}/") })
        {
            files.DefaultRequestHeaders.Authorization = ApiClient.Bearer(token);
            using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "/" + path, name } };
            using var response = await files.PostAsync("", form);
            response.EnsureSuccessStatusCode();
        }
        return ($"{web.Server.Service<CairnWebOptions>().FilesUrl}/{path}", bytes);
    }

    private static async Task<byte[]> DownloadAsync(IPage page, ILocator link, string expectedName)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        Assert.Equal(expectedName, download.SuggestedFilename);
        Assert.Null(await download.FailureAsync());
        var path = await download.PathAsync();
        return await File.ReadAllBytesAsync(path!);
    }

    [Fact]
    public async Task The_model_page_downloads_weights_stored_on_the_file_server()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("download"));
        using var api = web.Api();
        var (uri, bytes) = await StoreAsync(api, project, "model weights.bin", 1_500_000);
        var body = new JsonObject { ["name"] = "downloadable", ["project"] = project, ["uri"] = uri, ["framework"] = "ONNX" };
        var model = (await api.CallAsync("models.create", body)).Ok()["id"]!.GetValue<string>();

        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/general");
        Assert.Equal(bytes, await DownloadAsync(page, page.Locator("[data-testid=download]"), "model weights.bin"));
        await WebFixture.ScreenshotAsync(page, "model-download");

        // The same route answers byte ranges (a resumed download) from the file server.
        var partial = await page.Context.APIRequest.GetAsync("download?uri=" + Uri.EscapeDataString(uri),
            new APIRequestContextOptions { Headers = new Dictionary<string, string> { ["Range"] = "bytes=100-199" } });
        Assert.Equal(206, partial.Status);
        Assert.Equal(bytes[100..200], await partial.BodyAsync());
    }

    [Fact]
    public async Task The_task_page_downloads_an_artifact_stored_on_the_file_server()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("artifact download"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "evaluate");
        var (uri, bytes) = await StoreAsync(api, project, "report.csv.gz", 40_000);
        var artifacts = new JsonObject
        {
            ["task"] = task,
            ["artifacts"] = new JsonArray(new JsonObject { ["key"] = "report", ["type"] = "custom", ["mode"] = "output", ["uri"] = uri }),
        };
        (await api.CallAsync("tasks.add_or_update_artifacts", artifacts)).Ok();

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/artifacts");
        var link = page.Locator("[data-artifact=report] [data-testid=artifact-download]");
        Assert.Equal(bytes, await DownloadAsync(page, link, "report.csv.gz"));
    }

    [Fact]
    public async Task The_download_route_serves_only_the_file_server_and_only_signed_in_users()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("download guard"));
        using var api = web.Api();
        var (uri, _) = await StoreAsync(api, project, "guarded.bin", 1000);
        var page = await web.SignedInPageAsync("/projects");

        var elsewhere = await page.Context.APIRequest.GetAsync("download?uri=" + Uri.EscapeDataString("http://127.0.0.1:1/secret"));
        Assert.Equal((int)HttpStatusCode.BadRequest, elsewhere.Status);
        var escaping = await page.Context.APIRequest.GetAsync("download?uri=" + Uri.EscapeDataString(uri.Replace("/guarded.bin", "/../../../etc/passwd", StringComparison.Ordinal)));
        Assert.NotEqual(200, escaping.Status);
        // A path the file server refuses as malformed (a control character) is the client's mistake: 400, not 502.
        var malformed = await page.Context.APIRequest.GetAsync("download?uri=" + Uri.EscapeDataString(uri.Replace("guarded.bin", "bad%01name.bin", StringComparison.Ordinal)));
        Assert.Equal((int)HttpStatusCode.BadRequest, malformed.Status);
        var missing = await page.Context.APIRequest.GetAsync("download?uri=" + Uri.EscapeDataString(uri + ".missing"));
        Assert.Equal((int)HttpStatusCode.NotFound, missing.Status);

        var stranger = await web.NewPageAsync();
        var anonymous = await stranger.Context.APIRequest.GetAsync("download?uri=" + Uri.EscapeDataString(uri),
            new APIRequestContextOptions { MaxRedirects = 0 });
        Assert.Equal((int)HttpStatusCode.Redirect, anonymous.Status);
        Assert.Contains("/login", anonymous.Headers["location"], StringComparison.Ordinal);
    }
}
