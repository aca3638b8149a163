using System.Net;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary><c>Cairn:MaxUploadBytes</c>: larger uploads are 413 and leave nothing behind, with or without a Content-Length.</summary>
public sealed class FileServerLimitTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(["--Cairn:MaxUploadBytes=65536"]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_upload_over_the_limit_with_a_length_is_413_and_writes_nothing()
    {
        using var files = await FilesClient.ForAsync(_server);

        using var response = await files.UploadAsync("too/large.bin", FilesClient.RandomBytes(200_000));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("65536", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files")));
    }

    [Fact]
    public async Task A_streamed_upload_over_the_limit_is_413_and_writes_nothing()
    {
        using var files = await FilesClient.ForAsync(_server);
        // Chunked: no Content-Length, so the limit is found while streaming.
        using var form = FilesClient.SdkUpload("too/large.bin", FilesClient.RandomBytes(70_000));

        using var response = await files.PostAsync("", new UnknownLengthContent(form));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(FilesClient.FilesUnder(Path.Combine(_server.DataDir, "files")));
    }

    [Fact]
    public async Task An_upload_within_the_limit_is_stored()
    {
        using var files = await FilesClient.ForAsync(_server);
        var bytes = FilesClient.RandomBytes(65_536);

        using var response = await files.UploadAsync("fits.bin", bytes);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(_server.DataDir, "files", "fits.bin")));
    }
}

/// <summary>Sends its inner content without a Content-Length, so HttpClient uses chunked encoding.</summary>
internal sealed class UnknownLengthContent : HttpContent
{
    private readonly HttpContent _inner;

    public UnknownLengthContent(HttpContent inner)
    {
        _inner = inner;
        Headers.ContentType = inner.Headers.ContentType;
    }

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => _inner.CopyToAsync(stream);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
