using System.Buffers;
using System.Security.Cryptography;

namespace Cairn.Storage;

/// <summary>
/// A store's side of an upload in parts (S3 multipart, Azure blocks): what <see cref="ResumableUpload"/>
/// calls to start, list, send, complete and abort. One instance serves one URL.
/// </summary>
internal interface IPartStore
{
    /// <summary>The store kind written in the journal (<c>s3</c>, <c>azure</c>).</summary>
    string Kind { get; }

    /// <summary>Starts an upload; returns its id.</summary>
    Task<string> StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The parts the store holds for <paramref name="uploadId"/>, by number with their sizes; null when
    /// the store cannot list them (the journal is then trusted, and a part the store lost makes the
    /// completion fail and the upload start over). Throws <see cref="FileNotFoundException"/> when the upload is gone.
    /// </summary>
    Task<IReadOnlyDictionary<int, long>?> ListPartsAsync(string uploadId, CancellationToken cancellationToken);

    /// <summary>Sends one part (checked by the store against <paramref name="md5"/>); returns the store's tag for it (ETag, block id).</summary>
    Task<string> SendPartAsync(string uploadId, int number, ReadOnlyMemory<byte> data, byte[] md5, CancellationToken cancellationToken);

    /// <summary>Makes the object from the parts, in order; only then does it appear under its name.</summary>
    Task CompleteAsync(string uploadId, IReadOnlyList<JournalPart> parts, CancellationToken cancellationToken);

    /// <summary>Drops an upload's stored parts (best effort: never throws).</summary>
    Task AbortAsync(string uploadId);
}

/// <summary>How a driver sends a large file in parts: part size, parts at once, and how old a journal may be before its upload is abandoned.</summary>
internal sealed record PartUploadSettings(long PartSize, int Concurrency, TimeSpan MaxAge);

/// <summary>
/// A large file's upload in parts that survives a kill: each stored part is recorded in an
/// <see cref="UploadJournal"/>; the same upload started again re-reads the file (hashing it, and
/// checking each recorded part's MD5 against the bytes now in the file) and sends only the parts
/// the store does not hold. A changed file, an old journal, or an upload the store forgot make it
/// start over, after aborting the old upload so no parts are left to bill storage. A cancelled or
/// transiently failed upload keeps its journal and parts (that is what a kill leaves); one the
/// store refuses for good is aborted.
/// </summary>
internal static class ResumableUpload
{
    /// <summary>Uploads <paramref name="file"/> (from its start) through <paramref name="store"/>.</summary>
    public static async Task<UploadResult> RunAsync(IPartStore store, FileStream file, string url, long length, PartUploadSettings settings,
        string journalFolder, TimeProvider time, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(journalFolder);
        var source = Path.GetFullPath(file.Name);
        var modified = File.GetLastWriteTimeUtc(source).Ticks;
        var path = UploadJournal.PathFor(journalFolder, url, source);
        for (var attempt = 0; ; attempt++)
        {
            var journal = UploadJournal.Load(path);
            if (journal is not null && (journal.Kind != store.Kind || journal.Url != url || journal.Size != length || journal.ModifiedTicks != modified
                || journal.PartSize != settings.PartSize || time.GetUtcNow() - journal.Started > settings.MaxAge))
            {
                // Another file, another part size, or too old to trust: that upload is abandoned.
                await store.AbortAsync(journal.UploadId).ConfigureAwait(false);
                journal.Delete();
                journal = null;
            }
            IReadOnlyDictionary<int, JournalPart> done = new Dictionary<int, JournalPart>();
            if (journal is not null)
            {
                done = await StoredPartsAsync(store, journal, cancellationToken).ConfigureAwait(false) ?? done;
                if (done.Count == 0 && journal.Parts.Count > 0)
                {
                    // The store forgot the upload (or every part of it): start a new one.
                    await store.AbortAsync(journal.UploadId).ConfigureAwait(false);
                    journal.Delete();
                    journal = null;
                }
            }
            journal ??= UploadJournal.Create(path, store.Kind, url, source, length, modified,
                await store.StartAsync(cancellationToken).ConfigureAwait(false), settings.PartSize, time.GetUtcNow());
            file.Position = 0;
            var outcome = await SendAsync(store, journal, done, file, url, length, settings, progress, cancellationToken).ConfigureAwait(false);
            if (outcome is { } result)
            {
                return result;
            }
            // A recorded part no longer matches the file: it changed without a new mtime. Start over once.
            await store.AbortAsync(journal.UploadId).ConfigureAwait(false);
            journal.Delete();
            if (attempt > 0)
            {
                throw new IOException($"Upload to {url}: {source} changed while it was being uploaded.");
            }
        }
    }

    /// <summary>Aborts the uploads of journals older than <paramref name="maxAge"/> (of this store kind) and deletes them.</summary>
    public static async Task SweepAsync(string journalFolder, string kind, TimeSpan maxAge, TimeProvider time, Func<UploadJournal, Task> abort)
    {
        foreach (var journal in UploadJournal.Abandoned(journalFolder, kind, time.GetUtcNow() - maxAge).ToList())
        {
            await abort(journal).ConfigureAwait(false);
            journal.Delete();
        }
    }

    /// <summary>The journal's parts that the store still holds (all of them when it cannot list); null when the upload is gone.</summary>
    private static async Task<IReadOnlyDictionary<int, JournalPart>?> StoredPartsAsync(IPartStore store, UploadJournal journal, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<int, long>? listed;
        try
        {
            listed = await store.ListPartsAsync(journal.UploadId, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        return listed is null ? journal.Parts
            : journal.Parts.Values.Where(p => listed.TryGetValue(p.Number, out var size) && size == p.Size).ToDictionary(p => p.Number);
    }

    /// <summary>One pass over the file; null when a recorded part's bytes differ from the file's.</summary>
    private static async Task<UploadResult?> SendAsync(IPartStore store, UploadJournal journal, IReadOnlyDictionary<int, JournalPart> done, FileStream file,
        string url, long length, PartUploadSettings settings, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(settings.Concurrency);
        var partSize = (int)settings.PartSize;
        var count = Math.Max(1, (int)((length + partSize - 1) / partSize));
        var parts = new JournalPart[count];
        var sending = new List<Task>();
        var stored = 0L;
        var progressLock = new Lock();
        var changed = false;
        void Stored(long bytes)
        {
            lock (progressLock)
            {
                stored += bytes;
                progress?.Report(new TransferProgress(url, stored, length));
            }
        }
        progress?.Report(new TransferProgress(url, 0, length));
        try
        {
            for (var number = 1; number <= count; number++)
            {
                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                var size = (int)Math.Min(partSize, length - (long)(number - 1) * partSize);
                var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
                var handed = false;
                try
                {
                    var filled = await file.ReadAtLeastAsync(buffer.AsMemory(0, size), size, throwOnEndOfStream: false, failed.Token).ConfigureAwait(false);
                    if (filled != size)
                    {
                        throw new IOException($"Upload to {url}: the source gave {(long)(number - 1) * partSize + filled} bytes, not the {length} announced.");
                    }
                    sha.AppendData(buffer, 0, size);
                    var md5 = MD5.HashData(buffer.AsSpan(0, size));
                    var md5Hex = Convert.ToHexStringLower(md5);
                    if (done.TryGetValue(number, out var kept))
                    {
                        if (kept.Md5 != md5Hex || kept.Size != size)
                        {
                            changed = true;
                            break;
                        }
                        parts[number - 1] = kept;
                        Stored(size);
                        continue;
                    }
                    var partNumber = number;
                    handed = true;
                    sending.Add(Task.Run(async () =>
                    {
                        try
                        {
                            var tag = await store.SendPartAsync(journal.UploadId, partNumber, buffer.AsMemory(0, size), md5, failed.Token).ConfigureAwait(false);
                            var part = new JournalPart(partNumber, size, md5Hex, tag);
                            // Recorded before it is reported: whoever stops the upload on a progress report finds the part journaled.
                            journal.Add(part);
                            parts[partNumber - 1] = part;
                            Stored(size);
                        }
                        catch
                        {
                            await failed.CancelAsync().ConfigureAwait(false);
                            throw;
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            slots.Release();
                        }
                    }, CancellationToken.None));
                }
                finally
                {
                    if (!handed)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        slots.Release();
                    }
                }
            }
            await Task.WhenAll(sending).ConfigureAwait(false);
            if (changed)
            {
                return null;
            }
            if (file.ReadByte() >= 0)
            {
                throw new IOException($"Upload to {url}: the source holds more than the {length} bytes announced.");
            }
            try
            {
                await store.CompleteAsync(journal.UploadId, parts, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageRequestException e) when (!e.IsTransient && done.Count > 0)
            {
                // The store no longer holds a part the journal recorded (it cannot list them): start over.
                _ = e;
                return null;
            }
            journal.Delete();
            return new UploadResult(url, length, Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
        catch (Exception e)
        {
            // Let every part in flight settle (their buffers go back to the pool), then judge the first real failure:
            // the siblings a failed part cancelled report only that cancellation.
            await Task.WhenAll(sending.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            var real = sending.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions)
                .FirstOrDefault(x => x is not OperationCanceledException) ?? e;
            if (cancellationToken.IsCancellationRequested)
            {
                // Stopped by the caller (whatever the cancelled requests threw): what a kill leaves stays.
                throw new OperationCanceledException($"The upload to {url} was cancelled; started again, it resumes from the parts stored.", real, cancellationToken);
            }
            if (!IsResumable(real))
            {
                await store.AbortAsync(journal.UploadId).ConfigureAwait(false);
                journal.Delete();
            }
            // Otherwise (cancelled or cut off) the journal and the stored parts stay, as a kill leaves them, for the next try.
            if (ReferenceEquals(real, e))
            {
                throw;
            }
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(real);
            throw;
        }
    }

    /// <summary>A failure the same upload may get past when started again: cancellation, a lost connection, a 429/5xx.</summary>
    private static bool IsResumable(Exception e) => e switch
    {
        OperationCanceledException => true,
        StorageRequestException s => s.IsTransient,
        HttpRequestException or TimeoutException => true,
        // The source itself was short or long: sending it again cannot help.
        IOException when e.Message.StartsWith("Upload to", StringComparison.Ordinal) => false,
        IOException => true,
        _ => false,
    };
}
