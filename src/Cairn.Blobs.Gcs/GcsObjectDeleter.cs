using System.Net;
using System.Text.Json;
using Cairn.Core.Blobs;
using Google;
using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;

namespace Cairn.Blobs.Gcs;

/// <summary>Deletes objects in the GCS buckets one Google credential reaches.</summary>
public sealed class GcsObjectDeleter : IDisposable
{
    private readonly StorageClient _client;
    private readonly string _source;

    /// <param name="credentialsJson">The path of a service-account (or other Google credential) JSON file, as clearml.conf's <c>credentials_json</c> is; null only with <paramref name="endpoint"/>.</param>
    /// <param name="endpoint">The JSON API's root when not Google's (an emulator, which checks no credentials).</param>
    /// <param name="source">The setting the credential came from, for messages.</param>
    /// <exception cref="BlobStoreConfigurationException">The credential file is missing or not a usable Google credential.</exception>
    public GcsObjectDeleter(string? credentialsJson, Uri? endpoint, string source)
    {
        _source = source;
        var builder = new StorageClientBuilder();
        if (endpoint is not null)
        {
            builder.BaseUri = endpoint.AbsoluteUri.TrimEnd('/') + "/storage/v1/";
        }
        if (credentialsJson is not null)
        {
            builder.GoogleCredential = LoadCredential(credentialsJson, source);
        }
        else if (endpoint is not null)
        {
            builder.UnauthenticatedAccess = true;
        }
        else
        {
            throw new BlobStoreConfigurationException($"{source} names no credentials file, and no endpoint (an emulator) is set.");
        }
        _client = builder.Build();
    }

    /// <summary>Deletes <c>gs://<paramref name="bucket"/>/<paramref name="name"/></c>; false when there was no such object.</summary>
    /// <exception cref="BlobStoreException">The bucket is missing, the credential was refused or the service failed; the message names the URL.</exception>
    public async Task<bool> DeleteAsync(string bucket, string name, CancellationToken cancellationToken = default)
    {
        var url = $"gs://{bucket}/{name}";
        try
        {
            await _client.DeleteObjectAsync(bucket, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound && e.Error?.Message?.Contains("bucket", StringComparison.OrdinalIgnoreCase) != true)
        {
            return false;
        }
        catch (GoogleApiException e)
        {
            var (error, hint) = e.HttpStatusCode switch
            {
                HttpStatusCode.NotFound => (BlobStoreError.MissingContainer, "the bucket does not exist"),
                HttpStatusCode.Unauthorized => (BlobStoreError.BadCredentials, $"the credentials were refused; check the key file named by {_source}"),
                HttpStatusCode.Forbidden => (BlobStoreError.Denied, $"access denied; the account of {_source} may not delete in this bucket"),
                _ => (BlobStoreError.Unavailable, $"the service answered {(int)e.HttpStatusCode}"),
            };
            throw new BlobStoreException(error, $"Deleting {url} failed: {hint}.", e);
        }
        catch (HttpRequestException e)
        {
            throw new BlobStoreException(BlobStoreError.Unavailable, $"Deleting {url} failed: {e.Message}", e);
        }
        catch (Exception e) when (e is Google.Apis.Auth.OAuth2.Responses.TokenResponseException or InvalidOperationException)
        {
            // A credential that cannot be exchanged for a token (revoked, wrong key): its details may quote the file.
            throw new BlobStoreException(BlobStoreError.BadCredentials, $"Deleting {url} failed: the credential of {_source} could not be used ({e.GetType().Name}).", e);
        }
    }

    private static GoogleCredential LoadCredential(string path, string source)
    {
        if (!File.Exists(path))
        {
            throw new BlobStoreConfigurationException($"{source} names '{path}', which does not exist.");
        }
        try
        {
            string type;
            using (var file = File.OpenRead(path))
            using (var json = JsonDocument.Parse(file))
            {
                type = json.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                    ? t.GetString()!
                    : JsonCredentialParameters.ServiceAccountCredentialType;
            }
            // StorageClientBuilder scopes the credential for Cloud Storage.
            return CredentialFactory.FromFile(path, type);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException or IOException
            or System.Security.Cryptography.CryptographicException or NotSupportedException)
        {
            // The parser's message may quote the file: only its path and the setting are named.
            throw new BlobStoreConfigurationException($"{source} names '{path}', which is not a usable Google credential ({e.GetType().Name}).");
        }
    }

    public void Dispose() => _client.Dispose();
}
