using System.Buffers;
using System.Security.Cryptography;
using Cairn.Core.Blobs;
using Xunit;

namespace Cairn.Server.Tests.Blobs;

/// <summary>
/// What every <see cref="IBlobStore"/> promises, run against each provider by a subclass that
/// supplies a fresh, empty store (its own folder, bucket or container).
/// </summary>
public abstract class BlobStoreContract
{
    protected abstract IBlobStore Store { get; }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task A_put_blob_reads_back_whole_with_its_size_and_the_SHA256_of_its_bytes()
    {
        var bytes = RandomBytes(700_000);

        var put = await Store.PutAsync("models/a b/weights.bin", new MemoryStream(bytes));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), put.Sha256);
        Assert.Equal(bytes.Length, put.Blob.Size);
        var info = await Store.GetInfoOrNullAsync("models/a b/weights.bin");
        Assert.NotNull(info);
        Assert.Equal(bytes.Length, info.Size);
        await using var read = await Store.OpenReadOrNullAsync("models/a b/weights.bin");
        Assert.NotNull(read);
        Assert.Equal(bytes, await ReadAllAsync(read));
    }

    [Fact]
    public async Task A_ranged_read_returns_exactly_the_bytes_asked_for()
    {
        var bytes = RandomBytes(100_000);
        await Store.PutAsync("range.bin", new MemoryStream(bytes));

        await using var middle = await Store.OpenReadOrNullAsync("range.bin", offset: 1000, length: 5000);
        await using var tail = await Store.OpenReadOrNullAsync("range.bin", offset: 99_990);

        Assert.Equal(bytes[1000..6000], await ReadAllAsync(middle!));
        Assert.Equal(bytes[99_990..], await ReadAllAsync(tail!));
    }

    [Fact]
    public async Task An_upload_is_invisible_until_committed_and_disposing_it_uncommitted_leaves_nothing()
    {
        await using (var upload = await Store.StartUploadAsync("pending.bin"))
        {
            await upload.WriteAsync(new ReadOnlySequence<byte>(RandomBytes(10_000)));
            Assert.Equal(10_000, upload.Size);
            Assert.Null(await Store.GetInfoOrNullAsync("pending.bin"));
            Assert.Null(await Store.OpenReadOrNullAsync("pending.bin"));
        }

        Assert.Null(await Store.GetInfoOrNullAsync("pending.bin"));
        Assert.Empty(await ListAsync(""));
    }

    [Fact]
    public async Task A_committed_upload_replaces_the_blob_that_was_there_and_the_old_one_stays_readable_until_then()
    {
        var first = RandomBytes(5000);
        var second = RandomBytes(7000);
        await Store.PutAsync("replace.bin", new MemoryStream(first));

        await using var upload = await Store.StartUploadAsync("replace.bin");
        await upload.WriteAsync(new ReadOnlySequence<byte>(second));
        await using (var before = await Store.OpenReadOrNullAsync("replace.bin"))
        {
            Assert.Equal(first, await ReadAllAsync(before!));
        }
        var committed = await upload.CommitAsync();

        Assert.Equal(7000, committed.Size);
        await using var after = await Store.OpenReadOrNullAsync("replace.bin");
        Assert.Equal(second, await ReadAllAsync(after!));
    }

    [Fact]
    public async Task A_missing_blob_has_no_info_no_stream_and_is_not_deleted()
    {
        Assert.Null(await Store.GetInfoOrNullAsync("no/such.bin"));
        Assert.Null(await Store.OpenReadOrNullAsync("no/such.bin"));
        Assert.False(await Store.DeleteAsync("no/such.bin"));
    }

    [Fact]
    public async Task Delete_removes_one_blob_and_leaves_its_neighbours()
    {
        await Store.PutAsync("d/one.bin", new MemoryStream(RandomBytes(10)));
        await Store.PutAsync("d/two.bin", new MemoryStream(RandomBytes(10)));

        Assert.True(await Store.DeleteAsync("d/one.bin"));

        Assert.Null(await Store.GetInfoOrNullAsync("d/one.bin"));
        Assert.NotNull(await Store.GetInfoOrNullAsync("d/two.bin"));
    }

    [Fact]
    public async Task List_by_prefix_returns_the_blobs_below_it_with_their_sizes_and_nothing_else()
    {
        await Store.PutAsync("p/a.bin", new MemoryStream(RandomBytes(1)));
        await Store.PutAsync("p/sub/b.bin", new MemoryStream(RandomBytes(2)));
        await Store.PutAsync("q/c.bin", new MemoryStream(RandomBytes(3)));

        var listed = await ListAsync("p/");

        Assert.Equal(["p/a.bin:1", "p/sub/b.bin:2"], listed.Select(b => $"{b.Key}:{b.Size}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Delete_prefix_removes_everything_below_a_folder_and_nothing_beside_it()
    {
        await Store.PutAsync("f/a.bin", new MemoryStream(RandomBytes(1)));
        await Store.PutAsync("f/sub/b.bin", new MemoryStream(RandomBytes(1)));
        await Store.PutAsync("fx.bin", new MemoryStream(RandomBytes(1)));

        Assert.Equal(2, await Store.DeletePrefixAsync("f/"));

        Assert.Empty(await ListAsync("f/"));
        Assert.NotNull(await Store.GetInfoOrNullAsync("fx.bin"));
    }

    [Fact]
    public async Task An_empty_blob_is_stored_and_read_back_empty()
    {
        var put = await Store.PutAsync("empty.bin", new MemoryStream());

        Assert.Equal(0, put.Blob.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([])), put.Sha256);
        await using var read = await Store.OpenReadOrNullAsync("empty.bin");
        Assert.Empty(await ReadAllAsync(read!));
    }

    private async Task<List<BlobInfo>> ListAsync(string prefix)
    {
        var list = new List<BlobInfo>();
        await foreach (var blob in Store.ListAsync(prefix))
        {
            list.Add(blob);
        }
        return list;
    }
}
