using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cairn.Session;
using Google;
using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;

[assembly: Cairn.Storage.StorageDriverFactory("gs", typeof(Cairn.Storage.Gcs.GcsStorageDriverFactory))]

namespace Cairn.Storage.Gcs;

/// <summary>Makes the <c>gs://</c> driver; found by the SDK through the assembly attribute when it first meets a gs URL.</summary>
public sealed class GcsStorageDriverFactory : IStorageDriverFactory
{
    /// <inheritdoc />
    public void CheckUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        GcsLocation.Split(url);
    }

    /// <inheritdoc />
    public IStorageDriver Create(ClearMLSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new GcsStorageDriver(new GcsSettings(session.Settings, Environment.GetEnvironmentVariable));
    }
}

/// <summary>
/// <c>gs://</c> URLs on Google Cloud Storage (through its JSON API), configured from
/// <c>sdk.google.storage</c>. Uploads are resumable sessions sent in chunks of
/// <see cref="GcsSettings.ChunkSize"/> (one chunk in memory at a time) and checked by the service
/// against the hash of the bytes sent (a mismatching upload is rejected, never stored); the object appears under its name
/// only when the last chunk is in. Downloads stream the object's media; large objects in parallel
/// ranges of one generation.
/// </summary>
internal sealed class GcsStorageDriver(GcsSettings settings) : IStorageDriver, IRangeReader, IDisposable
{
    private readonly ConcurrentDictionary<string, StorageClient> _clients = new(StringComparer.Ordinal);

    public GcsSettings Settings { get; } = settings;

    public bool CanHandle(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.Scheme.Equals("gs", StringComparison.OrdinalIgnoreCase);
    }

    public void CheckDestination(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var location = GcsLocation.Split(url);
        CheckCredentials(url.OriginalString, location, Settings.For(location));
    }

    public async Task<UploadResult> UploadAsync(Stream content, Uri url, long? length, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(url);
        var (client, location, text) = Resolve(url);
        using var hashing = new HashingReadStream(content, text, length, progress);
        var options = new UploadObjectOptions { ChunkSize = Settings.ChunkSize, UploadValidationMode = UploadValidationMode.RejectAndThrow };
        var stored = await Translate(text, () => client.UploadObjectAsync(location.Bucket, location.Name, "application/octet-stream", hashing, options, cancellationToken)).ConfigureAwait(false);
        if (stored.Size is { } kept && (long)kept != hashing.BytesRead)
        {
            // The store ended the session before all bytes were in (some emulators finalize on the
            // first chunk): that object is not the file, so it must not stay under the name.
            await DeleteGenerationAsync(client, location, stored.Generation).ConfigureAwait(false);
            throw new StorageRequestException(text, null, "incomplete",
                $"GCS upload to {text} failed: the store kept {kept} bytes of the {hashing.BytesRead} sent; the partial object was deleted.");
        }
        if (length is { } size && hashing.BytesRead != size)
        {
            await DeleteGenerationAsync(client, location, stored.Generation).ConfigureAwait(false);
            throw new IOException($"Upload to {text}: the source gave {hashing.BytesRead} bytes, not the {size} announced.");
        }
        return new UploadResult(text, hashing.BytesRead, hashing.Sha256);
    }

    /// <summary>Deletes the object an upload just made (that generation only, so a newer one is kept).</summary>
    private static async Task DeleteGenerationAsync(StorageClient client, GcsLocation location, long? generation)
    {
        try
        {
            await client.DeleteObjectAsync(location.Bucket, location.Name, new DeleteObjectOptions { Generation = generation }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (GoogleApiException)
        {
        }
    }

    public Task<Stream> OpenReadAsync(Uri url, CancellationToken cancellationToken) => OpenMediaAsync(url, null, null, cancellationToken);

    public RangeSettings Ranges => Settings.Ranges;

    public async Task<RemoteObject> StatAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (client, location, text) = Resolve(url);
        var stored = await Translate(text, () => client.GetObjectAsync(location.Bucket, location.Name, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new RemoteObject((long)(stored.Size ?? 0), stored.Generation?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
    }

    public Task<Stream> OpenRangeAsync(Uri url, string version, long offset, long length, CancellationToken cancellationToken) =>
        OpenMediaAsync(url, version, (offset, length), cancellationToken);

    /// <summary>The object's media, or one range of one generation of it (<c>ifGenerationMatch</c>, and the answer's generation checked).</summary>
    private async Task<Stream> OpenMediaAsync(Uri url, string? generation, (long Offset, long Length)? range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (client, location, text) = Resolve(url);
        // The media request goes through the client's own HTTP client (credentials, retries), read as it arrives.
        var media = new Uri(client.Service.BaseUri.TrimEnd('/') + "/b/" + Uri.EscapeDataString(location.Bucket) + "/o/" + Uri.EscapeDataString(location.Name) + "?alt=media"
            + (string.IsNullOrEmpty(generation) ? "" : "&ifGenerationMatch=" + generation));
        using var request = new HttpRequestMessage(HttpMethod.Get, media);
        if (range is { } r)
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(r.Offset, r.Offset + r.Length - 1);
        }
        HttpResponseMessage response;
        try
        {
            response = await client.Service.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new StorageRequestException(text, null, null, $"GCS request for {text} failed: {e.Message}", e);
        }
        if (!response.IsSuccessStatusCode)
        {
            var status = response.StatusCode;
            response.Dispose();
            if (generation is not null && status is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            {
                throw new StorageObjectChangedException(text, generation, status == HttpStatusCode.NotFound ? "(deleted)" : null);
            }
            throw status == HttpStatusCode.NotFound
                ? new FileNotFoundException($"Nothing is stored at {text}.", text)
                : new StorageRequestException(text, status, null, $"GCS request for {text} failed ({(int)status}): {Hint(status, null, Settings.For(location))}.");
        }
        if (!string.IsNullOrEmpty(generation) && response.Headers.TryGetValues("x-goog-generation", out var answered) && answered.FirstOrDefault() is { } actual && actual != generation)
        {
            response.Dispose();
            throw new StorageObjectChangedException(text, generation, actual);
        }
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return new ObjectReadStream(body, response.Content.Headers.ContentLength, null, response);
    }

    public async Task<bool> ExistsAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (client, location, text) = Resolve(url);
        try
        {
            await Translate(text, () => client.GetObjectAsync(location.Bucket, location.Name, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    public async Task<bool> DeleteAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (client, location, text) = Resolve(url);
        try
        {
            await Translate(text, async () =>
            {
                await client.DeleteObjectAsync(location.Bucket, location.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    public async IAsyncEnumerable<string> ListAsync(Uri prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var (client, location, text) = Resolve(prefix);
        var folder = location.Name.Length == 0 || location.Name.EndsWith('/') ? location.Name : location.Name + "/";
        var root = "gs://" + location.Bucket + "/";
        var pages = client.ListObjectsAsync(location.Bucket, folder).AsRawResponses().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (await Translate(text, async () => await pages.MoveNextAsync().ConfigureAwait(false)).ConfigureAwait(false))
            {
                foreach (var item in pages.Current.Items ?? [])
                {
                    yield return root + item.Name;
                }
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private (StorageClient Client, GcsLocation Location, string Url) Resolve(Uri url)
    {
        var location = GcsLocation.Split(url);
        var bucket = Settings.For(location);
        var text = url.OriginalString;
        CheckCredentials(text, location, bucket);
        var client = _clients.GetOrAdd(bucket.CredentialsJson ?? "", _ =>
        {
            var builder = new StorageClientBuilder();
            if (Settings.Endpoint is { } endpoint)
            {
                builder.BaseUri = endpoint.AbsoluteUri.TrimEnd('/') + "/storage/v1/";
            }
            if (bucket.CredentialsJson is { } path)
            {
                builder.GoogleCredential = LoadCredential(text, path, bucket);
            }
            else
            {
                builder.UnauthenticatedAccess = true;
            }
            return builder.Build();
        });
        return (client, location, text);
    }

    /// <summary>An unusable destination fails before any byte moves, naming the URL and the setting (never a key).</summary>
    private void CheckCredentials(string url, GcsLocation location, GcsBucketSettings bucket)
    {
        if (bucket.CredentialsJson is null && Settings.Endpoint is null)
        {
            throw new ArgumentException(
                $"No credentials for {url} (bucket '{location.Bucket}'): set {GcsSettings.Root}.credentials_json (or a {{bucket, subdir, project, credentials_json}} item in {GcsSettings.Root}.credentials) to a service-account key file, or GOOGLE_APPLICATION_CREDENTIALS.", nameof(url));
        }
        if (bucket.CredentialsJson is { } path && !File.Exists(path))
        {
            throw new ArgumentException($"The credentials file for {url} does not exist: {bucket.ConfigPath} names '{path}'.", nameof(url));
        }
    }

    private static GoogleCredential LoadCredential(string url, string path, GcsBucketSettings bucket)
    {
        try
        {
            string type;
            using (var file = File.OpenRead(path))
            using (var json = JsonDocument.Parse(file))
            {
                type = json.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : JsonCredentialParameters.ServiceAccountCredentialType;
            }
            return CredentialFactory.FromFile(path, type);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException or IOException)
        {
            // The parser's message may quote the file; only its path and the setting are named.
            throw new ArgumentException($"The credentials file '{path}' for {url} (from {bucket.ConfigPath}) is not a usable Google credential ({e.GetType().Name}).", nameof(url));
        }
    }

    private static string Hint(HttpStatusCode status, string? message, GcsBucketSettings bucket) => status switch
    {
        HttpStatusCode.NotFound => "the bucket does not exist; create it or fix the URL",
        HttpStatusCode.Unauthorized => $"the credentials were refused; check the key file named by {bucket.ConfigPath}",
        HttpStatusCode.Forbidden => $"access denied; the account of {bucket.ConfigPath} lacks permission for this bucket",
        _ => message ?? "request failed",
    };

    /// <summary>Turns the service's refusals into <see cref="FileNotFoundException"/> (no such object) or one <see cref="StorageRequestException"/> naming the URL.</summary>
    private async Task<T> Translate<T>(string url, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound && e.Error?.Message?.Contains("bucket", StringComparison.OrdinalIgnoreCase) != true)
        {
            throw new FileNotFoundException($"Nothing is stored at {url}.", url, e);
        }
        catch (GoogleApiException e)
        {
            var bucket = Settings.For(GcsLocation.Split(new Uri(url)));
            throw new StorageRequestException(url, e.HttpStatusCode, e.Error?.Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"GCS request for {url} failed ({(int)e.HttpStatusCode}): {Hint(e.HttpStatusCode, e.Error?.Message, bucket)}.", e);
        }
        catch (HttpRequestException e)
        {
            throw new StorageRequestException(url, null, null, $"GCS request for {url} failed: {e.Message}", e);
        }
    }
}
