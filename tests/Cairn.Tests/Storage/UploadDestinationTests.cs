using Cairn.Configuration;
using Cairn.Storage;
using Xunit;

namespace Cairn.Tests.Storage;

public sealed class UploadDestinationTests
{
    private static readonly ClearMLSettings Settings = new()
    {
        ApiHost = new Uri("http://api:8008"),
        FilesHost = new Uri("http://files:8081/"),
        DefaultOutputUri = "s3://bucket/default",
    };

    [Fact]
    public void The_first_destination_given_wins_in_clearmls_order()
    {
        Assert.Equal("file:///m", UploadDestination.Resolve(Settings, "file:///m/", "s3://e", "s3://p"));
        Assert.Equal("s3://e", UploadDestination.Resolve(Settings, null, "s3://e", "s3://p"));
        Assert.Equal("s3://p", UploadDestination.Resolve(Settings, "", "false", "s3://p"));
        Assert.Equal("s3://bucket/default", UploadDestination.Resolve(Settings));
        Assert.Equal("http://files:8081", UploadDestination.Resolve(Settings, experimentOutputUri: "true"));
        Assert.Equal("http://files:8081", UploadDestination.Resolve(Settings with { DefaultOutputUri = null }));
        Assert.Throws<InvalidOperationException>(() => UploadDestination.Resolve(Settings with { DefaultOutputUri = null, FilesHost = null }));
    }

    [Fact]
    public void Model_urls_follow_the_project_task_models_layout_with_clearmls_quoting()
    {
        var id = "0123456789abcdef0123456789abcdef";
        Assert.Equal($"http://files:8081/Team%20A/sub/my%20run%20%28v2%29.{id}/models/model%20final.pt",
            UploadDestination.ModelUrl("http://files:8081/", "Team A/sub", "my run (v2)", id, "model final.pt"));
        // '#' and '?' are quoted in the name, then the '%' of that quoting again in the stored http URL.
        Assert.Equal($"http://files:8081/p%2523/t%253F.{id}/models/m.pt", UploadDestination.ModelUrl("http://files:8081", "p#", "t?", id, "m.pt"));
        Assert.Equal($"s3://bucket/Team A/run.{id}/models/m.pt", UploadDestination.ModelUrl("s3://bucket", "Team A", "run", id, "m.pt"));
        var folder = UploadDestination.TaskFolder("p", new string('x', 200), id);
        Assert.Equal(2 + 128, folder.Length);
        Assert.EndsWith("." + id, folder, StringComparison.Ordinal);
        var longProject = UploadDestination.TaskFolder(new string('p', 300), "t", id, projectId: "pid");
        Assert.StartsWith(new string('p', 251) + ".pid/", longProject, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_encodes_http_paths_as_python_quote_does_and_leaves_other_schemes()
    {
        Assert.Equal("http://h:1/a%20b/x%2By~z_.-.pt?q=1", StorageUrl.Quote("http://h:1/a b/x+y~z_.-.pt?q=1"));
        Assert.Equal("https://h/caf%C3%A9", StorageUrl.Quote("https://h/café"));
        Assert.Equal("s3://b/a b", StorageUrl.Quote("s3://b/a b"));
        Assert.Equal("a b", StorageUrl.Unquote("a%20b"));
    }
}
