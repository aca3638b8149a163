using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>The file server's upload, download, HEAD and delete calls (api.md §6, sdk-calls.md §8).</summary>
public sealed class FileServerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private string Root => Path.Combine(_server.DataDir, "files");

    [Fact]
    public async Task An_upload_as_the_SDK_sends_it_is_stored_under_the_part_name_and_answered_with_the_path_list_size_and_hash()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("My project/train task.0123456789abcdef0123456789abcdef/models/model weights.bin");
        var bytes = FilesClient.RandomBytes(300_000);

        using var response = await files.UploadAsync(path, bytes);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        Assert.Equal(path, Assert.Single(body)!.GetValue<string>());
        Assert.Equal(FilesClient.Sha256(bytes), response.Headers.GetValues("X-Cairn-Sha256").Single());
        Assert.Equal("300000", response.Headers.GetValues("X-Cairn-Size").Single());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(Root, path)));
    }

    [Fact]
    public async Task A_file_is_downloaded_twice_from_its_percent_encoded_url_with_length_and_hash()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("project/task name.id/models/model.bin");
        var bytes = FilesClient.RandomBytes(100_000);
        (await files.UploadAsync(path, bytes)).EnsureSuccessStatusCode();

        for (var i = 0; i < 2; i++)
        {
            using var response = await files.GetAsync(FilesClient.Encode(path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(100_000, response.Content.Headers.ContentLength);
            Assert.Equal(FilesClient.Sha256(bytes), response.Headers.GetValues("X-Cairn-Sha256").Single());
            Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task A_file_larger_than_one_send_batch_comes_back_whole_and_by_ranges_across_batches()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("batches.bin");
        // Not a multiple of any block or batch size, so the last pieces are partial.
        var bytes = FilesClient.RandomBytes(3 * 1024 * 1024 + 12_345);
        (await files.UploadAsync(path, bytes)).EnsureSuccessStatusCode();

        using var whole = await files.GetAsync(FilesClient.Encode(path));
        using var middle = await files.GetAsync(FilesClient.Encode(path), r => r.Headers.Range = new RangeHeaderValue(200_000, 2_900_000));
        using var tail = await files.GetAsync(FilesClient.Encode(path), r => r.Headers.Range = new RangeHeaderValue(null, 70_000));

        Assert.Equal(bytes, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
        Assert.Equal(bytes[200_000..2_900_001], await middle.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        Assert.Equal(bytes[^70_000..], await tail.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_path_is_decoded_exactly_once()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("literally %20 percent.txt");
        var bytes = Encoding.UTF8.GetBytes("percent");
        (await files.UploadAsync(path, bytes)).EnsureSuccessStatusCode();

        using var once = await files.GetAsync(FilesClient.Encode(path));
        Assert.Equal(bytes, await once.Content.ReadAsByteArrayAsync());
        using var twice = await files.GetAsync(FilesClient.Encode(path).Replace("%2520", "%20", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, twice.StatusCode);
    }

    [Fact]
    public async Task A_range_request_gets_206_with_just_those_bytes()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("ranged.bin");
        var bytes = FilesClient.RandomBytes(10_000);
        (await files.UploadAsync(path, bytes)).EnsureSuccessStatusCode();

        using var response = await files.GetAsync(path, r => r.Headers.Range = new RangeHeaderValue(100, 199));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 100-199/10000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(bytes[100..200], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_conditional_request_with_the_current_etag_or_a_later_date_gets_304()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("cached.bin");
        var bytes = FilesClient.RandomBytes(1_000);
        (await files.UploadAsync(path, bytes)).EnsureSuccessStatusCode();
        using var first = await files.GetAsync(path);
        var etag = first.Headers.ETag!;
        Assert.Equal($"\"{FilesClient.Sha256(bytes)}\"", etag.Tag);

        using var byTag = await files.GetAsync(path, r => r.Headers.IfNoneMatch.Add(etag));
        Assert.Equal(HttpStatusCode.NotModified, byTag.StatusCode);
        using var byDate = await files.GetAsync(path, r => r.Headers.IfModifiedSince = first.Content.Headers.LastModified);
        Assert.Equal(HttpStatusCode.NotModified, byDate.StatusCode);

        (await files.UploadAsync(path, FilesClient.RandomBytes(1_000))).EnsureSuccessStatusCode();
        using var changed = await files.GetAsync(path, r => r.Headers.IfNoneMatch.Add(etag));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }

    [Fact]
    public async Task HEAD_reports_length_and_hash_without_a_body_and_404_for_a_missing_file()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("head.bin");
        var bytes = FilesClient.RandomBytes(4_321);
        (await files.UploadAsync(path, bytes)).EnsureSuccessStatusCode();

        using var response = await files.SendAsync(HttpMethod.Head, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4_321, response.Content.Headers.ContentLength);
        Assert.Equal(FilesClient.Sha256(bytes), response.Headers.GetValues("X-Cairn-Sha256").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());

        using var missing = await files.SendAsync(HttpMethod.Head, FilesClient.Unique("missing.bin"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_root_answers_OK_without_a_token()
    {
        using var files = await FilesClient.ForAsync(_server, authenticated: false);
        using var response = await files.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Uploading_again_to_a_path_replaces_the_file_and_its_hash()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("model.bin");
        (await files.UploadAsync(path, FilesClient.RandomBytes(5_000))).EnsureSuccessStatusCode();
        var second = FilesClient.RandomBytes(3_000);

        (await files.UploadAsync(path, second)).EnsureSuccessStatusCode();

        using var response = await files.GetAsync(path);
        Assert.Equal(second, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(FilesClient.Sha256(second), response.Headers.GetValues("X-Cairn-Sha256").Single());
    }

    [Fact]
    public async Task A_multipart_body_with_several_file_parts_stores_each_and_ignores_plain_fields()
    {
        using var files = await FilesClient.ForAsync(_server);
        var (first, second) = (FilesClient.Unique("a.txt"), FilesClient.Unique("b.json"));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("ignored"), "comment" },
            { new StringContent("alpha"), first, "a.txt" },
            { new StringContent("{}"), second, "b.json" },
        };

        using var response = await files.PostAsync("", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        Assert.Equal([first, second], body.Select(n => n!.GetValue<string>()));
        Assert.Equal("5,2", response.Headers.GetValues("X-Cairn-Size").Single());
        Assert.Equal("alpha", await File.ReadAllTextAsync(Path.Combine(Root, first)));
        Assert.False(File.Exists(Path.Combine(Root, "comment")));
    }

    [Fact]
    public async Task A_chunked_upload_whose_bytes_look_like_its_boundary_is_stored_exactly()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("near boundaries.bin");
        // Bytes that start a delimiter and break off, around a large random middle, so the
        // near misses also fall on the pipe's segment edges.
        var bytes = Concat(Encoding.ASCII.GetBytes("\r\n--xyz\r\n--xyzboundar--xyzboundary"), FilesClient.RandomBytes(700_000), Encoding.ASCII.GetBytes("\r\n--xyzboundar\r\n"));
        var body = Concat(
            Encoding.ASCII.GetBytes($"a preamble\r\n--xyzboundary \r\nContent-Disposition: form-data; name=\"/{path}\"; filename=\"/{path}\"\r\n\r\n"),
            bytes,
            Encoding.ASCII.GetBytes("\r\n--xyzboundary--\r\nan epilogue"));
        // No length: HttpClient sends the body chunked, in the pieces the stream gives it.
        using var content = new StreamContent(new MemoryStream(body), 4093);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyzboundary");

        using var response = await files.PostAsync("", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FilesClient.Sha256(bytes), response.Headers.GetValues("X-Cairn-Sha256").Single());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(Root, path)));
    }

    [Fact]
    public async Task A_file_part_after_a_plain_field_and_an_empty_file_part_are_both_stored()
    {
        using var files = await FilesClient.ForAsync(_server);
        var (empty, full) = (FilesClient.Unique("empty.bin"), FilesClient.Unique("full.bin"));
        var bytes = FilesClient.RandomBytes(200_000);
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(FilesClient.RandomBytes(100_000)), "a plain field skipped unread" },
            { new ByteArrayContent([]), empty, "empty.bin" },
            { new ByteArrayContent(bytes), full, "full.bin" },
        };

        using var response = await files.PostAsync("", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0,200000", response.Headers.GetValues("X-Cairn-Size").Single());
        Assert.Empty(await File.ReadAllBytesAsync(Path.Combine(Root, empty)));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(Root, full)));
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    [Fact]
    public async Task DELETE_removes_a_file_and_answers_its_path_then_404()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("delete me.bin");
        (await files.UploadAsync(path, FilesClient.RandomBytes(10))).EnsureSuccessStatusCode();

        using var deleted = await files.SendAsync(HttpMethod.Delete, FilesClient.Encode(path));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(path, JsonNode.Parse(await deleted.Content.ReadAsStringAsync())!.GetValue<string>());
        Assert.False(File.Exists(Path.Combine(Root, path)));

        using var again = await files.SendAsync(HttpMethod.Delete, FilesClient.Encode(path));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var get = await files.GetAsync(FilesClient.Encode(path));
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task DELETE_of_a_folder_is_404_and_keeps_it()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("folder/inside.bin");
        (await files.UploadAsync(path, FilesClient.RandomBytes(10))).EnsureSuccessStatusCode();

        using var response = await files.SendAsync(HttpMethod.Delete, path[..path.LastIndexOf('/')]);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.True(File.Exists(Path.Combine(Root, path)));
    }

    [Fact]
    public async Task Delete_many_removes_files_and_folders_and_reports_what_it_could_not()
    {
        using var files = await FilesClient.ForAsync(_server);
        var folder = FilesClient.Unique("task");
        var single = FilesClient.Unique("single file.bin");
        (await files.UploadAsync(folder + "/models/a.bin", FilesClient.RandomBytes(10))).EnsureSuccessStatusCode();
        (await files.UploadAsync(folder + "/artifacts/b.json", FilesClient.RandomBytes(10))).EnsureSuccessStatusCode();
        (await files.UploadAsync(single, FilesClient.RandomBytes(10))).EnsureSuccessStatusCode();
        var missing = FilesClient.Unique("missing.bin");
        var request = new JsonObject { ["files"] = new JsonArray(folder, FilesClient.Encode(single), missing, "../cairn.db", "") };

        using var response = await files.PostAsync("delete_many", new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        var deleted = body["deleted"]!.AsObject();
        Assert.Equal(folder, deleted[folder]!.GetValue<string>());
        Assert.Equal(single, deleted[FilesClient.Encode(single)]!.GetValue<string>());
        Assert.Equal(2, deleted.Count);
        var errors = body["errors"]!.AsObject();
        Assert.Equal(missing, Assert.Single(errors["not found"]!.AsArray())!.GetValue<string>());
        Assert.Equal(2, errors.Where(e => e.Key.StartsWith("bad path", StringComparison.Ordinal)).Sum(e => e.Value!.AsArray().Count));
        Assert.False(Directory.Exists(Path.Combine(Root, folder)));
        Assert.False(File.Exists(Path.Combine(Root, single)));
        Assert.True(File.Exists(Path.Combine(_server.DataDir, "cairn.db")));
    }

    [Fact]
    public async Task Delete_many_without_a_file_list_is_400()
    {
        using var files = await FilesClient.ForAsync(_server);
        using var response = await files.PostAsync("delete_many", new StringContent("""{"paths": ["a"]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("files", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_uploads_to_one_path_leave_one_whole_file_and_readers_never_see_a_partial_one()
    {
        using var files = await FilesClient.ForAsync(_server);
        var path = FilesClient.Unique("contended.bin");
        var contents = Enumerable.Range(0, 6).Select(_ => FilesClient.RandomBytes(3 * 1024 * 1024)).ToList();
        var hashes = contents.Select(FilesClient.Sha256).ToHashSet();

        var uploads = contents.Select(async bytes => (await files.UploadAsync(path, bytes)).EnsureSuccessStatusCode()).ToList();
        var seen = new List<string>();
        while (uploads.Any(u => !u.IsCompleted))
        {
            using var read = await files.GetAsync(path);
            if (read.StatusCode == HttpStatusCode.OK)
            {
                seen.Add(FilesClient.Sha256(await read.Content.ReadAsByteArrayAsync()));
            }
        }
        await Task.WhenAll(uploads);

        Assert.All(seen, hash => Assert.Contains(hash, hashes));
        using var final = await files.GetAsync(path);
        var finalHash = FilesClient.Sha256(await final.Content.ReadAsByteArrayAsync());
        Assert.Contains(finalHash, hashes);
        Assert.Equal(finalHash, final.Headers.GetValues("X-Cairn-Sha256").Single());
        Assert.Empty(FilesClient.FilesUnder(Path.Combine(Root, ".cairn-uploads")));
    }
}
