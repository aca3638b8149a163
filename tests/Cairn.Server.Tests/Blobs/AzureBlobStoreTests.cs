using System.Buffers;
using System.Security.Cryptography;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Cairn.Blobs.Azure;
using Cairn.Core.Blobs;
using Xunit;

namespace Cairn.Server.Tests.Blobs;

/// <summary>
/// The blob-store contract on the Azure provider against Azurite (scripts/services: CAIRN_TEST_AZURE_*),
/// each test in its own new container; plus what only a block store can get wrong.
/// </summary>
public sealed class AzureBlobStoreTests : BlobStoreContract, IAsyncLifetime
{
    private const int Block = 1024 * 1024;
    private readonly AzureBlobStoreOptions _options = Options($"cairn-test-{Guid.NewGuid():N}"[..40]);
    private AzureBlobStore? _store;

    protected override IBlobStore Store => _store!;

    internal static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through scripts/test.sh, which starts Azurite.");

    private static AzureBlobStoreOptions Options(string container) => new()
    {
        AccountName = Variable("CAIRN_TEST_AZURE_ACCOUNT"),
        AccountKey = Variable("CAIRN_TEST_AZURE_KEY"),
        Endpoint = Variable("CAIRN_TEST_AZURE_ENDPOINT"),
        Container = container,
        Prefix = "cairn/files",
        BlockSizeBytes = Block,
        MaxConcurrentBlocks = 2,
    };

    internal static BlobContainerClient Container(string name) =>
        new(new Uri($"{Variable("CAIRN_TEST_AZURE_ENDPOINT").TrimEnd('/')}/{name}"),
            new StorageSharedKeyCredential(Variable("CAIRN_TEST_AZURE_ACCOUNT"), Variable("CAIRN_TEST_AZURE_KEY")));

    public async Task InitializeAsync()
    {
        await Container(_options.Container!).CreateAsync();
        _store = new AzureBlobStore(_options);
    }

    public async Task DisposeAsync() => await Container(_options.Container!).DeleteIfExistsAsync();

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task A_file_of_several_blocks_is_committed_as_one_block_list_and_a_range_across_blocks_reads_exactly()
    {
        var bytes = new byte[(3 * Block) + 4321];
        Random.Shared.NextBytes(bytes);

        var put = await Store.PutAsync("big/weights.bin", new MemoryStream(bytes));

        Assert.Equal(bytes.Length, put.Blob.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), put.Sha256);
        var blocks = (await Container(_options.Container!).GetBlockBlobClient("cairn/files/big/weights.bin").GetBlockListAsync(BlockListTypes.All)).Value;
        Assert.Equal(4, blocks.CommittedBlocks.Count());
        Assert.Empty(blocks.UncommittedBlocks);
        // From the end of the first block to the start of the third.
        await using var range = await Store.OpenReadOrNullAsync("big/weights.bin", offset: Block - 10, length: Block + 20);
        Assert.Equal(bytes[(Block - 10)..(2 * Block + 10)], await ReadAllAsync(range!));
        await using var whole = await Store.OpenReadOrNullAsync("big/weights.bin");
        Assert.Equal(bytes, await ReadAllAsync(whole!));
    }

    [Fact]
    public async Task A_block_upload_discarded_before_commit_leaves_no_blob_and_the_blob_that_was_there_unchanged()
    {
        var kept = new byte[1000];
        Random.Shared.NextBytes(kept);
        await Store.PutAsync("kept.bin", new MemoryStream(kept));

        await using (var upload = await Store.StartUploadAsync("killed.bin"))
        {
            // Three blocks staged, as when the client goes away mid-upload.
            await upload.WriteAsync(new ReadOnlySequence<byte>(new byte[(3 * Block) + 1]));
        }
        await using (var replacing = await Store.StartUploadAsync("kept.bin"))
        {
            await replacing.WriteAsync(new ReadOnlySequence<byte>(new byte[2 * Block]));
        }

        Assert.Null(await Store.GetInfoOrNullAsync("killed.bin"));
        Assert.Null(await Store.OpenReadOrNullAsync("killed.bin"));
        var listed = new List<string>();
        await foreach (var blob in Store.ListAsync(""))
        {
            listed.Add($"{blob.Key}:{blob.Size}");
        }
        Assert.Equal(["kept.bin:1000"], listed);
        await using var read = await Store.OpenReadOrNullAsync("kept.bin");
        Assert.Equal(kept, await ReadAllAsync(read!));
    }

    [Fact]
    public async Task A_missing_container_fails_the_upload_with_a_message_naming_the_container_and_no_secret()
    {
        var missing = new AzureBlobStore(Options($"cairn-missing-{Guid.NewGuid():N}"[..40]));

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => missing.PutAsync("a.bin", new MemoryStream([1, 2, 3])));
        var large = await Assert.ThrowsAsync<BlobStoreException>(() => missing.PutAsync("b.bin", new MemoryStream(new byte[Block + 1])));

        Assert.Equal(BlobStoreError.MissingContainer, error.Error);
        Assert.Equal(BlobStoreError.MissingContainer, large.Error);
        Assert.Contains(missing.Location, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_options.AccountKey!, error.Message, StringComparison.Ordinal);
        var stat = await Assert.ThrowsAsync<BlobStoreException>(() => missing.GetInfoOrNullAsync("a.bin"));
        Assert.Equal(BlobStoreError.MissingContainer, stat.Error);
    }

    [Fact]
    public async Task A_wrong_key_fails_the_upload_as_bad_credentials_without_the_key_in_the_message()
    {
        var options = Options(_options.Container!);
        options.AccountKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var wrong = new AzureBlobStore(options);

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => wrong.PutAsync("a.bin", new MemoryStream([1, 2, 3])));
        var read = await Assert.ThrowsAsync<BlobStoreException>(() => wrong.GetInfoOrNullAsync("a.bin"));

        Assert.Equal(BlobStoreError.BadCredentials, error.Error);
        Assert.Equal(BlobStoreError.BadCredentials, read.Error);
        Assert.DoesNotContain(options.AccountKey, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(options.AccountKey, error.ToString(), StringComparison.Ordinal);
        Assert.Null(await Store.GetInfoOrNullAsync("a.bin"));
    }

    [Fact]
    public async Task A_connection_string_reaches_the_same_container()
    {
        var connection = $"DefaultEndpointsProtocol=http;AccountName={_options.AccountName};AccountKey={_options.AccountKey};BlobEndpoint={_options.Endpoint}";
        var viaConnection = new AzureBlobStore(new AzureBlobStoreOptions { ConnectionString = connection, Container = _options.Container, Prefix = _options.Prefix });

        await Store.PutAsync("shared.bin", new MemoryStream([7, 8, 9]));

        await using var read = await viaConnection.OpenReadOrNullAsync("shared.bin");
        Assert.Equal([7, 8, 9], await ReadAllAsync(read!));
        Assert.Equal(Store.Location, viaConnection.Location);
    }
}
