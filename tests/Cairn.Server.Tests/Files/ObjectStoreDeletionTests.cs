using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Cairn.Core.Storage;
using Cairn.Server.Files;
using Cairn.Server.Tests.Blobs;
using Cairn.Server.Tests.Models;
using Cairn.Server.Tests.Tasks;
using Cairn.Store.Sqlite;
using Cairn.Testing;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>
/// The deletion queue on object storage: weights the SDK wrote straight to s3rver or Azurite are
/// deleted with Cairn:StorageCredentials when their model or task goes or their uri is replaced;
/// URLs the credentials do not cover stay queued with the reason.
/// </summary>
public sealed class ObjectStoreDeletionTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _bucket = $"cairn-del-{Guid.NewGuid():N}"[..40];
    private readonly string _container = $"cairn-del-{Guid.NewGuid():N}"[..40];
    private readonly string _account = AzureBlobStoreTests.Variable("CAIRN_TEST_AZURE_ACCOUNT");
    private readonly AmazonS3Client _s3;
    private readonly string _s3Host;
    private TestServer? _server;

    public ObjectStoreDeletionTests()
    {
        var endpoint = Variable("CAIRN_TEST_S3_ENDPOINT");
        _s3Host = new Uri(endpoint).Authority;
        _s3 = new AmazonS3Client(new BasicAWSCredentials(Variable("CAIRN_TEST_S3_ACCESS_KEY"), Variable("CAIRN_TEST_S3_SECRET_KEY")),
            new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
    }

    private TestServer Server => _server!;

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through scripts/test.sh, which starts s3rver and Azurite.");

    private string[] Settings(params string[] extra) =>
    [
        "--Cairn:FileDeletionGraceSeconds=0",
        "--Cairn:StorageCredentials:S3:Credentials:0:Bucket=" + _bucket,
        "--Cairn:StorageCredentials:S3:Credentials:0:Host=" + _s3Host,
        "--Cairn:StorageCredentials:S3:Credentials:0:Key=" + Variable("CAIRN_TEST_S3_ACCESS_KEY"),
        "--Cairn:StorageCredentials:S3:Credentials:0:Secret=" + Variable("CAIRN_TEST_S3_SECRET_KEY"),
        "--Cairn:StorageCredentials:S3:Credentials:0:Secure=false",
        "--Cairn:StorageCredentials:Azure:Containers:0:AccountName=" + _account,
        "--Cairn:StorageCredentials:Azure:Containers:0:AccountKey=" + AzureBlobStoreTests.Variable("CAIRN_TEST_AZURE_KEY"),
        "--Cairn:StorageCredentials:Azure:Containers:0:ContainerName=" + _container,
        "--Cairn:StorageCredentials:Azure:Containers:0:Endpoint=" + AzureBlobStoreTests.Variable("CAIRN_TEST_AZURE_ENDPOINT"),
        .. extra,
    ];

    public async Task InitializeAsync()
    {
        await _s3.PutBucketAsync(_bucket);
        await AzureBlobStoreTests.Container(_container).CreateAsync();
        _server = await TestServer.StartAsync(Settings());
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        await AzureBlobStoreTests.Container(_container).DeleteIfExistsAsync();
        _s3.Dispose();
    }

    private async Task<string> PutS3Async(string key)
    {
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = new MemoryStream(FilesClient.RandomBytes(100)), UseChunkEncoding = false });
        return $"s3://{_s3Host}/{_bucket}/{key}";
    }

    private async Task<bool> S3ExistsAsync(string key)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(_bucket, key);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<string> PutAzureAsync(string path)
    {
        await AzureBlobStoreTests.Container(_container).GetBlobClient(path).UploadAsync(new BinaryData(FilesClient.RandomBytes(100)));
        return $"azure://{_account}.blob.core.windows.net/{_container}/{path}";
    }

    private async Task<bool> AzureExistsAsync(string path) => (await AzureBlobStoreTests.Container(_container).GetBlobClient(path).ExistsAsync()).Value;

    private Task<IReadOnlyList<FileDeletion>> QueueAsync() => Server.Service<IMetadataStore>().Files.ListDeletionsAsync();

    [Fact]
    public async Task Deleting_a_model_deletes_its_weights_from_an_S3_compatible_bucket_configured_by_host_and_bucket()
    {
        using var api = Server.Client();
        var uri = await PutS3Async("project/train.0123/models/model weights.pt");
        var model = await api.CreateModelAsync(ModelsApi.Unique("S3 weights"), new { uri });

        (await api.CallAsync("models.delete", new { model })).Ok();

        await EventuallyAsync(async () => !await S3ExistsAsync("project/train.0123/models/model weights.pt"));
        await EventuallyAsync(async () => (await QueueAsync()).Count == 0);
    }

    [Fact]
    public async Task Deleting_a_task_deletes_its_output_model_on_Azure_and_its_output_artifact_on_S3()
    {
        using var api = Server.Client();
        var weights = await PutAzureAsync("project/train.4567/models/model.pt");
        var artifact = await PutS3Async("project/train.4567/artifacts/table/table.csv");
        var task = await api.CreateTaskAsync();
        await api.CreateModelAsync(ModelsApi.Unique("Azure weights"), new { uri = weights, task, ready = false });
        (await api.CallAsync("tasks.add_or_update_artifacts", new { task, artifacts = new[] { new { key = "table", type = "pandas", uri = artifact } } })).Ok();

        (await api.CallAsync("tasks.delete", new { task, force = true })).Ok();

        await EventuallyAsync(async () => !await AzureExistsAsync("project/train.4567/models/model.pt"));
        await EventuallyAsync(async () => !await S3ExistsAsync("project/train.4567/artifacts/table/table.csv"));
        await EventuallyAsync(async () => (await QueueAsync()).Count == 0);
    }

    [Fact]
    public async Task Resetting_a_task_deletes_its_draft_output_models_weights_on_S3()
    {
        using var api = Server.Client();
        var uri = await PutS3Async("project/reset.89ab/models/model.pt");
        var task = await api.CreateTaskAsync();
        var model = await api.CreateModelAsync(ModelsApi.Unique("Reset weights"), new { uri, task, ready = false });
        (await api.CallAsync("tasks.add_or_update_model", new { task, name = "model", type = "output", model })).Ok();

        (await api.CallAsync("tasks.reset", new { task, force = true })).Ok();

        await EventuallyAsync(async () => !await S3ExistsAsync("project/reset.89ab/models/model.pt"));
        await EventuallyAsync(async () => (await QueueAsync()).Count == 0);
    }

    [Fact]
    public async Task A_url_no_credentials_cover_stays_queued_with_the_option_to_set_and_a_warning_and_its_object_is_kept()
    {
        await Server.DisposeAsync();
        var logs = new WarningLog();
        _server = await TestServer.StartAsync(Settings(), builder => builder.Logging.AddProvider(logs));
        using var api = Server.Client();
        var other = $"cairn-nocred-{Guid.NewGuid():N}"[..40];
        await _s3.PutBucketAsync(other);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = other, Key = "m.pt", InputStream = new MemoryStream([1, 2, 3]), UseChunkEncoding = false });
        var uri = $"s3://{_s3Host}/{other}/m.pt";
        var azure = $"azure://otheraccount.blob.core.windows.net/{_container}/m.pt";
        var s3Model = await api.CreateModelAsync(ModelsApi.Unique("No credentials"), new { uri });
        var azureModel = await api.CreateModelAsync(ModelsApi.Unique("No credentials"), new { uri = azure });

        (await api.CallAsync("models.delete_many", new { ids = new[] { s3Model, azureModel } })).Ok();

        await EventuallyAsync(async () => (await QueueAsync()).Count(d => d.LastError is not null) == 2);
        var queued = (await QueueAsync()).ToDictionary(d => d.Url);
        Assert.Equal(
            $"{FileDeletionJob.NoCredentialsMarker}no Cairn:StorageCredentials:S3:Credentials entry has Host '{_s3Host}' and Bucket '{other}'",
            queued[uri].LastError);
        Assert.Equal(
            $"{FileDeletionJob.NoCredentialsMarker}no Cairn:StorageCredentials:Azure:Containers entry has AccountName 'otheraccount' and ContainerName '{_container}' (or no ContainerName)",
            queued[azure].LastError);
        Assert.True(queued[uri].NextAttempt > DateTimeOffset.UtcNow);
        Assert.NotNull(await _s3.GetObjectMetadataAsync(other, "m.pt"));
        Assert.Contains(logs.Lines, line => line.StartsWith($"Cannot delete {uri}: no Cairn:StorageCredentials:S3:Credentials entry", StringComparison.Ordinal)
            && line.Contains("it stays in the file deletion queue", StringComparison.Ordinal));
    }

    /// <summary>The warnings the server logs.</summary>
    private sealed class WarningLog : ILoggerProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lines.Enqueue(formatter(state, exception));
                }
            }
        }
    }

    [Fact]
    public async Task A_deletion_waiting_for_credentials_runs_as_soon_as_a_restart_brings_them()
    {
        var dataDir = Directory.CreateTempSubdirectory("cairn-credentials-").FullName;
        try
        {
            await Server.DisposeAsync();
            _server = await TestServer.StartAsync(["--Cairn:FileDeletionGraceSeconds=0"], dataDir: dataDir);
            using (var api = Server.Client())
            {
                var model = await api.CreateModelAsync(ModelsApi.Unique("Later"), new { uri = await PutAzureAsync("later/model.pt") });
                (await api.CallAsync("models.delete", new { model })).Ok();
            }
            await EventuallyAsync(async () => (await QueueAsync()).SingleOrDefault()?.LastError is not null);
            var waiting = (await QueueAsync()).Single();
            Assert.StartsWith(FileDeletionJob.NoCredentialsMarker, waiting.LastError, StringComparison.Ordinal);
            await Server.DisposeAsync();
            _server = null;
            // As after several attempts: the next one would be an hour away.
            await new SqliteMetadataStore(Path.Combine(dataDir, "cairn.db")).Files.RetryDeletionAsync(waiting.Id, DateTimeOffset.UtcNow.AddHours(1), waiting.LastError!);

            _server = await TestServer.StartAsync(Settings(), dataDir: dataDir);

            await EventuallyAsync(async () => !await AzureExistsAsync("later/model.pt"));
            await EventuallyAsync(async () => (await QueueAsync()).Count == 0);
        }
        finally
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
                _server = null;
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_refused_key_keeps_the_deletion_queued_with_the_reason_and_never_the_key()
    {
        await Server.DisposeAsync();
        var wrongKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        _server = await TestServer.StartAsync(Settings("--Cairn:StorageCredentials:Azure:Containers:0:AccountKey=" + wrongKey));
        using var api = Server.Client();
        var uri = await PutAzureAsync("refused/model.pt");
        var model = await api.CreateModelAsync(ModelsApi.Unique("Refused key"), new { uri });

        (await api.CallAsync("models.delete", new { model })).Ok();

        await EventuallyAsync(async () => (await QueueAsync()).SingleOrDefault()?.LastError is not null);
        var error = (await QueueAsync()).Single().LastError!;
        Assert.Contains("the credentials were refused", error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, error, StringComparison.Ordinal);
        Assert.True(await AzureExistsAsync("refused/model.pt"));
    }

    [Fact]
    public async Task Delete_external_artifacts_false_keeps_the_weights_and_queues_nothing()
    {
        using var api = Server.Client();
        var uri = await PutS3Async("kept/model.pt");
        var model = await api.CreateModelAsync(ModelsApi.Unique("Kept weights"), new { uri });

        (await api.CallAsync("models.delete", new { model, delete_external_artifacts = false })).Ok();

        Assert.Empty(await QueueAsync());
        Assert.True(await S3ExistsAsync("kept/model.pt"));
    }

    [Fact]
    public async Task Replacing_a_models_uri_deletes_the_old_weights_on_S3_and_Azure_but_not_the_new_ones_or_shared_ones()
    {
        using var api = Server.Client();
        var oldS3 = await PutS3Async("replace/old.pt");
        var newS3 = await PutS3Async("replace/new.pt");
        var oldAzure = await PutAzureAsync("replace/old.pt");
        var shared = await PutAzureAsync("replace/shared.pt");
        var model = await api.CreateModelAsync(ModelsApi.Unique("Replaced"), new { uri = oldS3 });
        var other = await api.CreateModelAsync(ModelsApi.Unique("Replaced"), new { uri = oldAzure });
        await api.CreateModelAsync(ModelsApi.Unique("Sharing"), new { uri = shared });
        var sharing = await api.CreateModelAsync(ModelsApi.Unique("Sharing too"), new { uri = shared });

        (await api.CallAsync("models.edit", new { model, uri = newS3 })).Ok();
        (await api.CallAsync("models.update", new { model = other, uri = newS3 })).Ok();
        (await api.CallAsync("models.edit", new { model = sharing, uri = newS3 })).Ok();

        await EventuallyAsync(async () => !await S3ExistsAsync("replace/old.pt"));
        await EventuallyAsync(async () => !await AzureExistsAsync("replace/old.pt"));
        await EventuallyAsync(async () => (await QueueAsync()).Count == 0);
        Assert.True(await S3ExistsAsync("replace/new.pt"));
        Assert.True(await AzureExistsAsync("replace/shared.pt"));
    }

    [Fact]
    public async Task Replacing_a_uri_on_a_bucket_without_credentials_or_the_sdks_upload_placeholder_or_with_keep_replaced_weights_queues_nothing()
    {
        using var api = Server.Client();
        var model = await api.CreateModelAsync(ModelsApi.Unique("Elsewhere"), new { uri = "s3://someone-elses-bucket/model.pt" });
        (await api.CallAsync("models.edit", new { model, uri = await PutS3Async("elsewhere/new.pt") })).Ok();
        // The SDK's placeholder while the first upload of a new model is under way.
        var uploading = await api.CreateModelAsync(ModelsApi.Unique("Uploading"), new { uri = $"s3://{_s3Host}/{_bucket}/models/uploading_file" });
        (await api.CallAsync("models.edit", new { model = uploading, uri = await PutS3Async("models/uploaded.pt") })).Ok();
        Assert.Empty(await QueueAsync());

        await Server.DisposeAsync();
        _server = await TestServer.StartAsync(Settings("--Cairn:KeepReplacedWeights=true"));
        using var kept = Server.Client();
        var old = await PutS3Async("keep/old.pt");
        var keptModel = await kept.CreateModelAsync(ModelsApi.Unique("Kept"), new { uri = old });
        (await kept.CallAsync("models.edit", new { model = keptModel, uri = await PutS3Async("keep/new.pt") })).Ok();
        Assert.Empty(await QueueAsync());
        Assert.True(await S3ExistsAsync("keep/old.pt"));
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the condition did not hold within {Deadline.TotalSeconds} s");
            await Task.Delay(50);
        }
    }
}
