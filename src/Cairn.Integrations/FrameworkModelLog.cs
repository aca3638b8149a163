using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Cairn.Integrations;

/// <summary>
/// Logs the models a framework saves and loads on the running experiment
/// (<see cref="Experiment.Current"/>), as ClearML's framework patches do. The framework's call runs
/// on the caller's thread exactly as without Cairn; the registration (and any upload) runs in the
/// background, and closing the experiment waits for it. Nothing here ever makes the framework's
/// call fail: registration failures are kept for <see cref="WaitAsync"/>, upload failures for
/// <see cref="OutputModel.WaitForUploadsAsync"/> (and the experiment's close), as for any upload.
/// </summary>
public static class FrameworkModelLog
{
    private static readonly Lock TailLock = new();

    // Registrations run one at a time in the order they were seen, so repeated saves of one path
    // resolve to one model and its snapshots land in order.
    private static Task _tail = Task.CompletedTask;

    private static readonly List<Task> Pending = [];

    private static readonly ConcurrentQueue<Exception> Failures = new();

    // Per path: held from just before a save until the private copy of the saved file is taken,
    // so a second save to the same path cannot change the file while it is being copied.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SaveGates = new(StringComparer.Ordinal);

    private static readonly ConditionalWeakTable<Experiment, ConcurrentDictionary<string, OutputModel>> Outputs = [];

    private static readonly Lazy<(AutoConnectFrameworks Setting, Exception? Error)> Configured = new(ReadConfiguration);

    private static AutoConnectFrameworks? _inCode;

    /// <summary>
    /// Which frameworks log automatically. Set in code to override <c>clearml.conf</c>'s
    /// <c>sdk.development.auto_connect_frameworks</c>, which is read once otherwise (every
    /// framework is on when it is absent); null goes back to the file's setting.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.AllowNull]
    public static AutoConnectFrameworks AutoConnect
    {
        get => Volatile.Read(ref _inCode) ?? Configured.Value.Setting;
        set => Volatile.Write(ref _inCode, value);
    }

    /// <summary>
    /// Runs <paramref name="save"/> (the framework's save of <paramref name="path"/>) and, when an
    /// experiment is running and <see cref="AutoConnect"/> allows it, registers the file as an output
    /// model in the background: the first save of a path makes a model, later saves of that path
    /// add snapshots to it (with <paramref name="iteration"/>). With an upload destination
    /// (<see cref="OutputModel.UploadStorageUri"/>) a private copy of the file is uploaded, so a
    /// later save may overwrite the file at once; without one the local path is registered.
    /// </summary>
    /// <param name="frameworkKey">The <see cref="AutoConnectFrameworks"/> key (<c>mlnet</c>).</param>
    /// <param name="framework">The model's framework (<see cref="Framework"/>).</param>
    /// <param name="path">The file the framework writes.</param>
    /// <param name="save">The framework's own call; its exceptions propagate unchanged and nothing is registered.</param>
    /// <param name="iteration">The training iteration, when known.</param>
    public static void Save(string frameworkKey, string framework, string path, Action save, long? iteration = null)
    {
        ArgumentNullException.ThrowIfNull(save);
        var experiment = Experiment.Current;
        if (experiment is null || !Allowed(frameworkKey, path))
        {
            save();
            return;
        }
        var fullPath = Path.GetFullPath(path);
        var gate = SaveGates.GetOrAdd(fullPath, _ => new SemaphoreSlim(1, 1));
        gate.Wait();
        try
        {
            save();
        }
        catch
        {
            gate.Release();
            throw;
        }
        Track(experiment, RegisterOutputAsync(experiment, framework, fullPath, iteration, gate));
    }

    /// <summary>
    /// Runs <paramref name="save"/> (the framework's save into <paramref name="stream"/>), flushes the
    /// stream, and logs its file as <see cref="Save(string, string, string, Action, long?)"/> does. The
    /// caller still holds the file open (a <see cref="FileStream"/> holds it locked against other
    /// opens), so with an upload destination the private copy is read through the stream's own
    /// handle, on the caller's thread, before this returns: that costs a copy of the file, which the
    /// path form does in the background. A stream the framework closed is copied by path; one opened
    /// write-only and still open cannot be copied: nothing is registered and the failure goes to
    /// <see cref="WaitAsync"/>. Without a destination nothing is copied.
    /// </summary>
    public static void Save(string frameworkKey, string framework, FileStream stream, Action save, long? iteration = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(save);
        var path = stream.Name; // read first: a framework may dispose the stream
        var experiment = Experiment.Current;
        if (experiment is null || !Allowed(frameworkKey, path))
        {
            save();
            return;
        }
        save();
        if (stream.CanWrite)
        {
            stream.Flush();
        }
        var fullPath = Path.GetFullPath(path);
        var model = OutputFor(experiment, framework, fullPath);
        string? snapshot = null;
        if (model.UploadStorageUri is not null)
        {
            try
            {
                snapshot = CopyFromStream(stream, fullPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                // Never the user's save: the failure is reported and nothing is registered.
                Failures.Enqueue(new IOException($"The model file {fullPath} could not be copied for upload while its stream is open: {e.Message}", e));
                return;
            }
        }
        Track(experiment, RegisterOutputAsync(model, fullPath, iteration, Task.FromResult(snapshot)));
    }

    /// <summary>
    /// Registers a file the framework already saved (the explicit call for shapes that are not
    /// caught); the same as <see cref="Save(string, string, string, Action, long?)"/> without running a save. Nothing happens when no experiment is running.
    /// </summary>
    public static void Saved(string frameworkKey, string framework, string path, long? iteration = null) =>
        Save(frameworkKey, framework, path, static () => { }, iteration);

    /// <summary>
    /// Runs <paramref name="load"/> (the framework's load of <paramref name="path"/>) and, when it
    /// succeeds with an experiment running and <see cref="AutoConnect"/> allowing it, registers the
    /// file as the experiment's input model in the background: the existing model when the file is
    /// a Cairn model's local copy or a registered URL matches it, else a new model pointing at the
    /// file (ClearML's <c>import_model</c> rule). A failed load registers nothing.
    /// </summary>
    public static T Load<T>(string frameworkKey, string framework, string path, Func<T> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        var result = load();
        Loaded(frameworkKey, framework, path);
        return result;
    }

    /// <summary>Registers a file the framework loaded (the explicit call for shapes that are not caught); nothing happens when no experiment is running.</summary>
    public static void Loaded(string frameworkKey, string framework, string path)
    {
        var experiment = Experiment.Current;
        if (experiment is null || !Allowed(frameworkKey, path))
        {
            return;
        }
        var fullPath = Path.GetFullPath(path);
        Track(experiment, RegisterInputAsync(experiment, framework, fullPath));
    }

    /// <summary>
    /// Waits for the registrations started so far and throws the ones that failed (each once), as
    /// <see cref="OutputModel.WaitForUploadsAsync"/> does for uploads. A failed read of the
    /// <c>auto_connect_frameworks</c> configuration is reported here too.
    /// </summary>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> passed first.</exception>
    /// <exception cref="AggregateException">Registrations failed; the inner exceptions say why.</exception>
    public static async Task WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Task[] pending;
        lock (TailLock)
        {
            pending = [.. Pending];
        }
        var all = Task.WhenAll(pending);
        await (timeout is { } t ? all.WaitAsync(t, cancellationToken) : all.WaitAsync(cancellationToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!all.IsCompleted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{pending.Count(p => !p.IsCompleted)} model registration(s) were still running after {timeout}.");
        }
        var failures = new List<Exception>();
        while (Failures.TryDequeue(out var failure))
        {
            failures.Add(failure);
        }
        if (failures.Count > 0)
        {
            throw new AggregateException($"{failures.Count} automatic model registration(s) failed.", failures);
        }
    }

    private static bool Allowed(string frameworkKey, string path)
    {
        if (Volatile.Read(ref _inCode) is { } inCode)
        {
            return inCode.Allows(frameworkKey, path);
        }
        var (setting, error) = Configured.Value;
        if (error is not null && Interlocked.Exchange(ref _configErrorReported, 1) == 0)
        {
            Failures.Enqueue(error);
        }
        return setting.Allows(frameworkKey, path);
    }

    private static int _configErrorReported;

    private static (AutoConnectFrameworks, Exception?) ReadConfiguration()
    {
        try
        {
            return (AutoConnectFrameworks.FromConfiguration(), null);
        }
        catch (Exception e)
        {
            // A broken setting must not break the user's save: ClearML's default (all on) holds and the error is reported.
            return (AutoConnectFrameworks.All, e);
        }
    }

    private static void Track(Experiment experiment, Func<Task> registration)
    {
        Task work;
        lock (TailLock)
        {
            work = RunAfterAsync(_tail, registration);
            _tail = work;
            Pending.RemoveAll(p => p.IsCompleted);
            Pending.Add(work);
        }
        experiment.TrackPendingWork(work);
    }

    private static async Task RunAfterAsync(Task previous, Func<Task> registration)
    {
        await Task.Yield(); // The caller's thread goes back to the user at once.
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await registration().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Failures.Enqueue(e);
        }
    }

    // Takes the private copy at once (outside the chain: the user's next save of this path waits
    // only for the copy), then registers in turn.
    private static Func<Task> RegisterOutputAsync(Experiment experiment, string framework, string path, long? iteration, SemaphoreSlim gate)
    {
        var model = OutputFor(experiment, framework, path);
        var upload = model.UploadStorageUri is not null;
        var copy = upload
            ? Task.Run(() => CopyToSnapshot(path, gate))
            : ReleaseAt(gate);
        return RegisterOutputAsync(model, path, iteration, copy);
    }

    private static OutputModel OutputFor(Experiment experiment, string framework, string path) =>
        Outputs.GetOrCreateValue(experiment).GetOrAdd(path, p => new OutputModel(experiment, framework: framework,
            name: $"{experiment.Name} - {Path.GetFileNameWithoutExtension(p)}"));

    private static Func<Task> RegisterOutputAsync(OutputModel model, string path, long? iteration, Task<string?> copy)
    {
        return async () =>
        {
            var snapshot = await copy.ConfigureAwait(false);
            if (snapshot is null)
            {
                await model.UpdateWeightsAsync(registerUri: path, iteration: iteration).ConfigureAwait(false);
                return;
            }
            try
            {
                OutputModel.AdoptTemporaryFile(snapshot);
                await model.UpdateWeightsAsync(weightsFilename: snapshot, targetFilename: Path.GetFileName(path), iteration: iteration).ConfigureAwait(false);
            }
            catch
            {
                File.Delete(snapshot); // Not queued: nothing else will delete it.
                throw;
            }
        };
    }

    private static Task<string?> ReleaseAt(SemaphoreSlim gate)
    {
        gate.Release();
        return Task.FromResult<string?>(null);
    }

    private static string? CopyToSnapshot(string path, SemaphoreSlim gate)
    {
        try
        {
            var snapshot = NewSnapshotPath(path);
            File.Copy(path, snapshot);
            return snapshot;
        }
        finally
        {
            gate.Release();
        }
    }

    private static string NewSnapshotPath(string path)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "cairn-autolog")).FullName;
        return Path.Combine(folder, $"{Guid.NewGuid():N}-{Path.GetFileName(path)}");
    }

    // Reads through the stream's own handle (positioned reads: the stream's position is left alone),
    // which needs no second open of a file the stream may hold locked.
    private static string CopyFromStream(FileStream stream, string path)
    {
        if (!stream.CanRead && !stream.CanWrite)
        {
            // Closed by the framework: the file is free to open.
            var copied = NewSnapshotPath(path);
            File.Copy(path, copied);
            return copied;
        }
        if (!stream.CanRead)
        {
            throw new IOException("the stream was opened write-only");
        }
        var snapshot = NewSnapshotPath(path);
        var handle = stream.SafeFileHandle;
        var buffer = new byte[81920];
        try
        {
            using var target = new FileStream(snapshot, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            for (long offset = 0; ;)
            {
                var read = RandomAccess.Read(handle, buffer, offset);
                if (read == 0)
                {
                    break;
                }
                target.Write(buffer, 0, read);
                offset += read;
            }
        }
        catch
        {
            File.Delete(snapshot);
            throw;
        }
        return snapshot;
    }

    private static Func<Task> RegisterInputAsync(Experiment experiment, string framework, string path) => async () =>
    {
        var model = await InputModel.ImportModelAsync(path, framework: framework, experiment: experiment).ConfigureAwait(false);
        await model.ConnectAsync(experiment).ConfigureAwait(false);
    };
}
