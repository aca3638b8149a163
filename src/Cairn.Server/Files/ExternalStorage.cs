using System.Collections.Concurrent;
using Cairn.Blobs.Azure;
using Cairn.Blobs.Gcs;
using Cairn.Blobs.S3;
using Cairn.Core.Blobs;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Files;

/// <summary>
/// Objects the SDK wrote straight to object storage (<c>s3://</c>, <c>azure://</c>, <c>gs://</c>),
/// deleted with <see cref="StorageCredentials"/> when their model or task goes. URLs are matched
/// to credentials as the Python SDK matches them: <c>s3://host:port/bucket/key</c> by an entry's
/// host and bucket, <c>s3://bucket/key</c> by an entry's bucket or else the default AWS key;
/// <c>azure://account.blob.core.windows.net/container/path</c> by account and container;
/// <c>gs://bucket/path</c> by an entry's bucket and subdir, then its bucket, then the default credential.
/// </summary>
public sealed class ExternalStorage(IOptions<CairnOptions> options) : IDisposable
{
    // Lazy: two deletions racing for a new bucket make one client, not one to leak.
    private readonly ConcurrentDictionary<string, Lazy<IObjectDeleter>> _stores = new(StringComparer.Ordinal);

    private StorageCredentials Credentials => options.Value.StorageCredentials;

    /// <summary>Whether <paramref name="url"/> names an object (not just a bucket) in a store of a scheme this queue takes.</summary>
    public static bool IsExternal(string? url)
    {
        if (url is null)
        {
            return false;
        }
        var rest = SchemeOrNull(url) is { } scheme ? url[(scheme.Length + 3)..] : null;
        // scheme://bucket/key at the least; azure:// needs a container too.
        var parts = rest?.Split('/', 3);
        return parts is { Length: >= 2 } && parts.All(p => p.Length > 0) && (SchemeOrNull(url) != "azure" || parts.Length == 3);
    }

    private static string? SchemeOrNull(string url)
    {
        foreach (var scheme in (string[])["s3", "azure", "gs"])
        {
            if (url.StartsWith(scheme + "://", StringComparison.OrdinalIgnoreCase))
            {
                return scheme;
            }
        }
        return null;
    }

    /// <summary>Whether <see cref="StorageCredentials"/> hold credentials for <paramref name="url"/>'s bucket or container.</summary>
    public bool HasCredentials(string url) => Resolve(url, out _) is not null;

    /// <summary>Deletes the object at <paramref name="url"/>; false when there was none.</summary>
    /// <exception cref="MissingStorageCredentialsException">No configured credentials serve the URL; the message says which option to set.</exception>
    /// <exception cref="BlobStoreException">The store refused or failed; the message names the URL, never a secret.</exception>
    public async Task<bool> DeleteAsync(string url, CancellationToken cancellationToken = default)
    {
        var (storeKey, create, objectKey) = Resolve(url, out var problem) ?? throw new MissingStorageCredentialsException(problem!);
        var store = _stores.GetOrAdd(storeKey, _ => new Lazy<IObjectDeleter>(create)).Value;
        return await store.DeleteAsync(objectKey, cancellationToken).ConfigureAwait(false);
    }

    private (string StoreKey, Func<IObjectDeleter> Create, string ObjectKey)? Resolve(string url, out string? problem)
    {
        problem = null;
        var resolved = SchemeOrNull(url) switch
        {
            "s3" => ResolveS3(url[5..], out problem),
            "azure" => ResolveAzure(url[8..], out problem),
            "gs" => ResolveGoogle(url[5..], out problem),
            _ => null,
        };
        if (resolved is null && problem is null)
        {
            problem = $"this server deletes only s3://, azure:// and gs:// objects, not {url}; delete it with the SDK (StorageManager) or the store's own tools";
        }
        if (resolved is { } found)
        {
            // Options the provider refuses (a bucket or container name it cannot take) leave the URL undeletable as well.
            var store = _stores.GetOrAdd(found.StoreKey, _ => new Lazy<IObjectDeleter>(found.Create));
            try
            {
                _ = store.Value;
            }
            catch (BlobStoreConfigurationException e)
            {
                // Lazy keeps the exception: the URL stays undeletable until the configuration changes, which means a restart.
                problem = $"the credentials configured for {url} are not usable: {e.Message}";
                return null;
            }
        }
        return resolved;
    }

    private (string StoreKey, Func<IObjectDeleter> Create, string ObjectKey)? ResolveS3(string rest, out string? problem)
    {
        var s3 = Credentials.S3;
        const string path = $"{StorageCredentials.Section}:S3";
        problem = null;
        foreach (var entry in s3.Credentials.Where(e => !string.IsNullOrEmpty(e.Host)))
        {
            var prefix = $"{entry.Host}/{entry.Bucket}/";
            if (rest.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                var endpoint = $"{(entry.Secure ? "https" : "http")}://{entry.Host}";
                return S3Store(endpoint, entry.Bucket, entry.Key ?? s3.Key, entry.Secret ?? s3.Secret, entry.Token ?? s3.Token, entry.Region ?? s3.Region, rest[prefix.Length..]);
            }
        }
        var first = rest.Split('/', 2);
        var (bucket, key) = (first[0], first.Length > 1 ? first[1] : "");
        // s3://host:port/bucket/key whose host has no entry for this bucket: the default AWS key is not for it.
        if (bucket.Contains(':', StringComparison.Ordinal) || s3.Credentials.Any(e => string.Equals(e.Host, bucket, StringComparison.OrdinalIgnoreCase)))
        {
            var hostBucket = key.Split('/', 2)[0];
            problem = $"no {path}:Credentials entry has Host '{bucket}' and Bucket '{hostBucket}'";
            return null;
        }
        if (s3.Credentials.FirstOrDefault(e => string.IsNullOrEmpty(e.Host) && e.Bucket == bucket) is { } named)
        {
            var (k, secret, token) = string.IsNullOrEmpty(named.Key) ? (s3.Key, s3.Secret, s3.Token) : (named.Key, named.Secret, named.Token);
            if (!string.IsNullOrEmpty(k) || s3.UseCredentialsChain)
            {
                return S3Store(null, bucket, k, secret, token, named.Region ?? s3.Region, key);
            }
        }
        else if (!string.IsNullOrEmpty(s3.Key) || s3.UseCredentialsChain)
        {
            return S3Store(null, bucket, s3.Key, s3.Secret, s3.Token, s3.Region, key);
        }
        problem = $"no {path}:Credentials entry has Bucket '{bucket}' with a key, and neither {path}:Key nor {path}:UseCredentialsChain is set";
        return null;
    }

    private static (string StoreKey, Func<IObjectDeleter> Create, string ObjectKey) S3Store(string? endpoint, string bucket, string? key, string? secret, string? token, string region, string objectKey) =>
        ($"s3|{endpoint}|{bucket}|{key}", () => new BlobStoreDeleter(new S3BlobStore(new S3BlobStoreOptions
        {
            Bucket = bucket,
            Endpoint = endpoint,
            Region = region,
            AccessKey = key,
            SecretKey = secret,
            SessionToken = token,
            // S3-compatible servers behind a host (MinIO, s3rver) want the bucket in the path.
            ForcePathStyle = endpoint is not null,
        })), objectKey);

    private (string StoreKey, Func<IObjectDeleter> Create, string ObjectKey)? ResolveAzure(string rest, out string? problem)
    {
        var parts = rest.Split('/', 3);
        var (account, container, blob) = (parts[0].Split('.')[0], parts[1], parts.Length > 2 ? parts[2] : "");
        var entry = Credentials.Azure.Containers.FirstOrDefault(c => c.AccountName == account && c.ContainerName == container)
            ?? Credentials.Azure.Containers.FirstOrDefault(c => c.AccountName == account && string.IsNullOrEmpty(c.ContainerName));
        if (entry is null)
        {
            problem = $"no {StorageCredentials.Section}:Azure:Containers entry has AccountName '{account}' and ContainerName '{container}' (or no ContainerName)";
            return null;
        }
        problem = null;
        return ($"azure|{entry.Endpoint}|{account}|{container}", () => new BlobStoreDeleter(new AzureBlobStore(new AzureBlobStoreOptions
        {
            AccountName = account,
            AccountKey = entry.AccountKey,
            Endpoint = entry.Endpoint,
            Container = container,
        })), blob);
    }

    private (string StoreKey, Func<IObjectDeleter> Create, string ObjectKey)? ResolveGoogle(string rest, out string? problem)
    {
        var google = Credentials.Google;
        const string path = $"{StorageCredentials.Section}:Google";
        var parts = rest.Split('/', 2);
        var (bucket, name) = (parts[0], parts.Length > 1 ? parts[1] : "");
        // As the Python SDK: the first entry for the bucket whose subdir begins the name, else the first without a subdir.
        var index = google.Credentials.FindIndex(e => e.Bucket == bucket && !string.IsNullOrEmpty(e.Subdir) && name.StartsWith(e.Subdir.Trim('/'), StringComparison.Ordinal));
        if (index < 0)
        {
            index = google.Credentials.FindIndex(e => e.Bucket == bucket && string.IsNullOrEmpty(e.Subdir));
        }
        var (json, source) = index >= 0 && google.Credentials[index].CredentialsJson is { Length: > 0 } own
            ? (own, $"{path}:Credentials:{index}:CredentialsJson")
            : (google.CredentialsJson is { Length: > 0 } fallback ? fallback : null, $"{path}:CredentialsJson");
        var endpoint = google.Endpoint is { Length: > 0 } e ? new Uri(e) : null;
        if (json is null && endpoint is null)
        {
            problem = $"no {path}:Credentials entry for Bucket '{bucket}' has a CredentialsJson, and {path}:CredentialsJson is not set";
            return null;
        }
        problem = null;
        return ($"gs|{endpoint}|{json}|{bucket}", () => new GcsDeleter(new GcsObjectDeleter(json, endpoint, source), bucket), name);
    }

    /// <summary>Deletes objects in one bucket or container.</summary>
    private interface IObjectDeleter : IDisposable
    {
        Task<bool> DeleteAsync(string key, CancellationToken cancellationToken);
    }

    private sealed class BlobStoreDeleter(IBlobStore store) : IObjectDeleter
    {
        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) => store.DeleteAsync(key, cancellationToken);

        public void Dispose() => (store as IDisposable)?.Dispose();
    }

    private sealed class GcsDeleter(GcsObjectDeleter client, string bucket) : IObjectDeleter
    {
        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) => client.DeleteAsync(bucket, key, cancellationToken);

        public void Dispose() => client.Dispose();
    }

    public void Dispose()
    {
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated))
        {
            store.Value.Dispose();
        }
        _stores.Clear();
    }
}

/// <summary>No <see cref="StorageCredentials"/> serve a queued URL; the message names the option to set, never a secret.</summary>
public sealed class MissingStorageCredentialsException(string message) : IOException(message);
