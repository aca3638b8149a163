using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Cairn.Core.Blobs;
using Cairn.Server.Hosting;

namespace Cairn.Server.Files;

/// <summary>
/// The file server's blob store with a span (<see cref="CairnTelemetry.Source"/>) around every call:
/// <c>blob.get_info</c>, <c>blob.open_read</c>, <c>blob.upload</c> (from start to commit or abandon),
/// <c>blob.delete</c>, <c>blob.delete_prefix</c>, <c>blob.list</c>, each tagged with the key and
/// the store's location. Nothing is recorded when no listener samples the source.
/// </summary>
public sealed class TracedBlobStore(IBlobStore inner) : IBlobStore
{
    public const string KeyTag = "cairn.blob.key";

    public const string LocationTag = "cairn.blob.location";

    public string Location => inner.Location;

    public IBlobStore Inner => inner;

    private Activity? Start(string name, string key)
    {
        var activity = CairnTelemetry.Source.StartActivity(name, ActivityKind.Client);
        activity?.SetTag(KeyTag, key);
        activity?.SetTag(LocationTag, inner.Location);
        return activity;
    }

    private static void Fail(Activity? activity, Exception e) => activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);

    public async Task<BlobInfo?> GetInfoOrNullAsync(string key, CancellationToken cancellationToken = default)
    {
        using var activity = Start("blob.get_info", key);
        try
        {
            return await inner.GetInfoOrNullAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fail(activity, e);
            throw;
        }
    }

    public async Task<Stream?> OpenReadOrNullAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        using var activity = Start("blob.open_read", key);
        try
        {
            return await inner.OpenReadOrNullAsync(key, offset, length, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fail(activity, e);
            throw;
        }
    }

    public async Task<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken = default)
    {
        var activity = Start("blob.upload", key);
        try
        {
            return new TracedUpload(await inner.StartUploadAsync(key, cancellationToken).ConfigureAwait(false), activity);
        }
        catch (Exception e)
        {
            Fail(activity, e);
            activity?.Dispose();
            throw;
        }
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        using var activity = Start("blob.delete", key);
        try
        {
            return await inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fail(activity, e);
            throw;
        }
    }

    public async Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        using var activity = Start("blob.delete_prefix", prefix);
        try
        {
            return await inner.DeletePrefixAsync(prefix, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fail(activity, e);
            throw;
        }
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var activity = Start("blob.list", prefix);
        await foreach (var blob in inner.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return blob;
        }
    }

    /// <summary>An upload whose span ends when it is committed (OK) or disposed uncommitted (abandoned).</summary>
    private sealed class TracedUpload(IBlobUpload inner, Activity? activity) : IBlobUpload
    {
        public long Size => inner.Size;

        public ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken = default) => inner.WriteAsync(data, cancellationToken);

        public async Task<BlobInfo> CommitAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                var info = await inner.CommitAsync(cancellationToken).ConfigureAwait(false);
                activity?.SetTag("cairn.blob.size", info.Size);
                activity?.SetStatus(ActivityStatusCode.Ok);
                return info;
            }
            catch (Exception e)
            {
                Fail(activity, e);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            if (activity is not null && activity.Status == ActivityStatusCode.Unset)
            {
                activity.SetStatus(ActivityStatusCode.Error, "abandoned");
            }
            activity?.Dispose();
        }
    }
}
