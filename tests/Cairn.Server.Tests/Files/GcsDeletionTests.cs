using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Cairn.Core.Storage;
using Cairn.Server.Files;
using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Google;
using Google.Cloud.Storage.V1;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>
/// The deletion queue on Google Cloud Storage: weights the SDK wrote straight to a bucket (here the
/// firebase-tools Cloud Storage emulator, scripts/services/20-gcs.sh) are deleted with
/// Cairn:StorageCredentials:Google when their model goes or its uri is replaced. The server signs in
/// with a service-account key file named by the bucket's entry, as clearml.conf's
/// sdk.google.storage.credentials names one (the emulator accepts the self-signed token unchecked).
/// </summary>
public sealed class GcsDeletionTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _bucket = "cairn-del-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _endpoint = Environment.GetEnvironmentVariable("CAIRN_TEST_GCS_ENDPOINT") is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException("CAIRN_TEST_GCS_ENDPOINT is not set: run the tests through scripts/test.sh, which starts the Cloud Storage emulator.");
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("cairn-gcs-del-");
    private StorageClient? _gcs;
    private TestServer? _server;

    private TestServer Server => _server!;

    private StorageClient Gcs => _gcs!;

    private string[] Settings(params string[] extra) =>
    [
        "--Cairn:FileDeletionGraceSeconds=0",
        "--Cairn:StorageCredentials:Google:Project=demo-cairn",
        "--Cairn:StorageCredentials:Google:Endpoint=" + _endpoint,
        "--Cairn:StorageCredentials:Google:Credentials:0:Bucket=" + _bucket,
        "--Cairn:StorageCredentials:Google:Credentials:0:CredentialsJson=" + ServiceAccountKey(Path.Combine(_folder.FullName, "service-account.json")),
        .. extra,
    ];

    public async Task InitializeAsync()
    {
        _gcs = await new StorageClientBuilder { BaseUri = _endpoint.TrimEnd('/') + "/storage/v1/", UnauthenticatedAccess = true }.BuildAsync();
        _server = await TestServer.StartAsync(Settings());
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _gcs?.Dispose();
        _folder.Delete(recursive: true);
    }

    private async Task<string> PutAsync(string name)
    {
        await Gcs.UploadObjectAsync(_bucket, name, "application/octet-stream", new MemoryStream(FilesClient.RandomBytes(100)));
        return $"gs://{_bucket}/{name}";
    }

    private async Task<bool> ExistsAsync(string name)
    {
        try
        {
            await Gcs.GetObjectAsync(_bucket, name);
            return true;
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private Task<IReadOnlyList<FileDeletion>> QueueAsync() => Server.Service<IMetadataStore>().Files.ListDeletionsAsync();

    [Fact]
    public async Task Deleting_a_model_deletes_its_weights_from_a_gcs_bucket_with_the_key_file_of_the_buckets_entry()
    {
        using var api = Server.Client();
        var uri = await PutAsync("project/train.0123/models/model weights.pt");
        var model = await api.CreateModelAsync(ModelsApi.Unique("GCS weights"), new { uri });

        (await api.CallAsync("models.delete", new { model })).Ok();

        await EventuallyAsync(async () => !await ExistsAsync("project/train.0123/models/model weights.pt"));
        await EventuallyAsync(async () => (await QueueAsync()).Count == 0);
    }

    [Fact]
    public async Task Replacing_a_models_gcs_uri_deletes_the_old_weights_and_keeps_the_new_ones()
    {
        using var api = Server.Client();
        var old = await PutAsync("replace/old.pt");
        var model = await api.CreateModelAsync(ModelsApi.Unique("Replaced on GCS"), new { uri = old });

        (await api.CallAsync("models.edit", new { model, uri = await PutAsync("replace/new.pt") })).Ok();

        await EventuallyAsync(async () => !await ExistsAsync("replace/old.pt"));
        await EventuallyAsync(async () => (await QueueAsync()).Count == 0);
        Assert.True(await ExistsAsync("replace/new.pt"));
    }

    [Fact]
    public async Task Delete_many_deletes_the_weights_by_default_and_keeps_them_with_delete_external_artifacts_false()
    {
        using var api = Server.Client();
        var kept = await api.CreateModelAsync(ModelsApi.Unique("Kept on GCS"), new { uri = await PutAsync("many/kept.pt") });
        var gone = await api.CreateModelAsync(ModelsApi.Unique("Gone from GCS"), new { uri = await PutAsync("many/gone.pt") });

        var keptAnswer = (await api.CallAsync("models.delete_many", new { ids = new[] { kept }, delete_external_artifacts = false })).Ok();
        Assert.Equal(kept, keptAnswer["succeeded"]![0]!["id"]!.GetValue<string>());
        Assert.Empty(await QueueAsync());
        (await api.CallAsync("models.delete_many", new { ids = new[] { gone } })).Ok();

        await EventuallyAsync(async () => !await ExistsAsync("many/gone.pt"));
        await EventuallyAsync(async () => (await QueueAsync()).Count == 0);
        Assert.True(await ExistsAsync("many/kept.pt"));
    }

    [Fact]
    public async Task A_gcs_url_with_no_google_credentials_stays_queued_naming_the_option_to_set()
    {
        await Server.DisposeAsync();
        _server = await TestServer.StartAsync(["--Cairn:FileDeletionGraceSeconds=0"]);
        using var api = Server.Client();
        var uri = await PutAsync("nocred/model.pt");
        var model = await api.CreateModelAsync(ModelsApi.Unique("No Google credentials"), new { uri });

        (await api.CallAsync("models.delete", new { model })).Ok();

        await EventuallyAsync(async () => (await QueueAsync()).SingleOrDefault()?.LastError is not null);
        Assert.Equal(
            $"{FileDeletionJob.NoCredentialsMarker}no Cairn:StorageCredentials:Google:Credentials entry for Bucket '{_bucket}' has a CredentialsJson, and Cairn:StorageCredentials:Google:CredentialsJson is not set",
            (await QueueAsync()).Single().LastError);
        Assert.True(await ExistsAsync("nocred/model.pt"));
    }

    [Fact]
    public async Task A_key_file_that_is_not_a_credential_keeps_the_deletion_queued_naming_the_setting_and_not_the_file()
    {
        await Server.DisposeAsync();
        var broken = Path.Combine(_folder.FullName, "broken.json");
        await File.WriteAllTextAsync(broken, """{"type": "service_account", "private_key": "not-a-key-SECRETVALUE"}""");
        _server = await TestServer.StartAsync(Settings("--Cairn:StorageCredentials:Google:Credentials:0:CredentialsJson=" + broken));
        using var api = Server.Client();
        var uri = await PutAsync("broken/model.pt");
        var model = await api.CreateModelAsync(ModelsApi.Unique("Broken key file"), new { uri });

        (await api.CallAsync("models.delete", new { model })).Ok();

        await EventuallyAsync(async () => (await QueueAsync()).SingleOrDefault()?.LastError is not null);
        var error = (await QueueAsync()).Single().LastError!;
        Assert.StartsWith(FileDeletionJob.NoCredentialsMarker, error, StringComparison.Ordinal);
        Assert.Contains("Cairn:StorageCredentials:Google:Credentials:0:CredentialsJson", error, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETVALUE", error, StringComparison.Ordinal);
        Assert.True(await ExistsAsync("broken/model.pt"));
    }

    [Fact]
    public async Task An_entry_with_a_subdir_serves_only_the_objects_under_it_and_the_buckets_other_entry_the_rest()
    {
        await Server.DisposeAsync();
        var broken = Path.Combine(_folder.FullName, "subdir-broken.json");
        await File.WriteAllTextAsync(broken, "{}");
        // Entry 0 (the bucket, no subdir, a good key) comes first; entry 1 (subdir team-a, a broken key) still wins under team-a/.
        _server = await TestServer.StartAsync(Settings(
            "--Cairn:StorageCredentials:Google:Credentials:1:Bucket=" + _bucket,
            "--Cairn:StorageCredentials:Google:Credentials:1:Subdir=team-a",
            "--Cairn:StorageCredentials:Google:Credentials:1:CredentialsJson=" + broken));
        using var api = Server.Client();
        var underSubdir = await api.CreateModelAsync(ModelsApi.Unique("Team A"), new { uri = await PutAsync("team-a/model.pt") });
        var elsewhere = await api.CreateModelAsync(ModelsApi.Unique("Team B"), new { uri = await PutAsync("team-b/model.pt") });

        (await api.CallAsync("models.delete_many", new { ids = new[] { underSubdir, elsewhere } })).Ok();

        await EventuallyAsync(async () => !await ExistsAsync("team-b/model.pt"));
        await EventuallyAsync(async () => (await QueueAsync()).SingleOrDefault()?.LastError is not null);
        Assert.Contains("Cairn:StorageCredentials:Google:Credentials:1:CredentialsJson", (await QueueAsync()).Single().LastError, StringComparison.Ordinal);
        Assert.True(await ExistsAsync("team-a/model.pt"));
    }

    /// <summary>Writes a service-account key file as Google's console gives one, with a key made now.</summary>
    private static string ServiceAccountKey(string path)
    {
        if (!File.Exists(path))
        {
            using var rsa = RSA.Create(2048);
            File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["type"] = "service_account",
                ["project_id"] = "demo-cairn",
                ["private_key_id"] = Guid.NewGuid().ToString("N"),
                ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
                ["client_email"] = "cairn-tests@demo-cairn.iam.gserviceaccount.com",
                ["client_id"] = "1234567890",
                ["auth_uri"] = "http://127.0.0.1:1/auth",
                ["token_uri"] = "http://127.0.0.1:1/token",
            }));
        }
        return path;
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
