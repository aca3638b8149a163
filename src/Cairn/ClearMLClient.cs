using Cairn.Configuration;
using Cairn.Experiments;
using Cairn.Models;
using Cairn.Session;
using Cairn.Storage;
using Microsoft.Extensions.Logging;

namespace Cairn;

/// <summary>
/// One connection to a ClearML-compatible server with its own state: the session (login and
/// token), the storage manager and cache, the background upload queue and the default upload
/// URI. Register one in a host with <c>services.AddClearML(…)</c>, make one from settings, or use
/// <see cref="Default"/>, which the static, Python-shaped entry points (<see cref="Experiment.InitAsync(string, string, string, OutputDestination, IEnumerable{string}?, ClearMLSession?, CancellationToken)"/>,
/// <see cref="Model.QueryModelsAsync(string?, string?, IEnumerable{string}?, bool, bool, int?, IReadOnlyDictionary{string, string}?, ClearMLSession?, CancellationToken)"/>,
/// <see cref="OutputModel.WaitForUploadsAsync"/>, …) use when they are given no session.
/// Two clients never share a token, a queue or a default. Thread-safe. Members are virtual so a
/// caller's tests can substitute it.
/// </summary>
public class ClearMLClient : IAsyncDisposable
{
    private static readonly Lock DefaultLock = new();

    private static ClearMLClient? _default;

    private readonly ClearMLSession? _session;

    private readonly bool _ownsSession;

    /// <summary>A client with its own session made from <paramref name="settings"/>.</summary>
    /// <exception cref="ArgumentException">The settings lack the key pair.</exception>
    public ClearMLClient(ClearMLSettings settings, ILoggerFactory? loggerFactory = null)
        : this(new ClearMLSession(settings, loggerFactory), ownsSession: true)
    {
    }

    /// <summary>A client over an existing <paramref name="session"/> (its queue and defaults are the session's); disposing the client leaves the session open.</summary>
    public ClearMLClient(ClearMLSession session)
        : this(session, ownsSession: false)
    {
    }

    /// <summary>For substitutes in tests: a client with no session, whose members must all be overridden.</summary>
    protected ClearMLClient()
    {
    }

    internal ClearMLClient(ClearMLSession session, bool ownsSession)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _ownsSession = ownsSession;
    }

    /// <summary>
    /// The process's default client, made on first use from <c>clearml.conf</c> and the
    /// <c>CLEARML_*</c> variables (<see cref="ClearMLSettings.Load"/>); a failure is thrown again on the next use.
    /// </summary>
    /// <exception cref="ClearMLConfigurationException">The host or key pair is not configured, or the configuration file is unreadable.</exception>
    public static ClearMLClient Default
    {
        get
        {
            lock (DefaultLock)
            {
                if (_default is null)
                {
                    ClearMLSettings settings;
                    try
                    {
                        settings = ClearMLSettings.Load();
                    }
                    catch (Configuration.Hocon.HoconParseException e)
                    {
                        throw new ClearMLConfigurationException(null, e.File, $"The ClearML configuration file cannot be read: {e.Message}", e);
                    }
                    _default = new ClearMLClient(settings);
                }
                return _default;
            }
        }
    }

    /// <summary>The client's session (for the static API's <c>session:</c> arguments and raw calls).</summary>
    public virtual ClearMLSession Session => _session ?? throw new InvalidOperationException("This ClearMLClient was made for substitution and has no session.");

    /// <summary>The client's storage manager: its cache folder and drivers.</summary>
    public virtual StorageManager Storage => Session.Storage;

    /// <summary>Where this client's output models upload when they have no destination of their own; null when none is set.</summary>
    public virtual string? DefaultUploadUri => Session.DefaultUploadUri;

    /// <summary>How many of this client's background uploads have not finished.</summary>
    public virtual int PendingUploads => Session.Uploads.PendingCount;

    /// <summary>
    /// Sets where this client's output models upload when they have no destination of their own
    /// (ranking above the process default of <see cref="OutputModel.SetDefaultUploadUri"/>); null clears it.
    /// </summary>
    /// <exception cref="ArgumentException">The URI's scheme is not supported.</exception>
    public virtual void SetDefaultUploadUri(string? uri) =>
        Session.DefaultUploadUri = uri is null ? null : ModelDestination.ConformDestination(uri, nameof(uri), Session);

    /// <summary>
    /// Waits for this client's background weights uploads (the oldest <paramref name="maxNumUploads"/>,
    /// or all) and throws the failures among them; other clients' uploads are not waited for.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNumUploads"/> is not positive.</exception>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> passed; the uploads go on.</exception>
    /// <exception cref="ModelUploadException">An upload failed (several: <see cref="AggregateException"/>).</exception>
    public virtual Task WaitForUploadsAsync(TimeSpan? timeout = null, int? maxNumUploads = null, CancellationToken cancellationToken = default)
    {
        if (maxNumUploads <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNumUploads), maxNumUploads, "maxNumUploads must be positive.");
        }
        return Session.Uploads.WaitAsync(timeout, maxNumUploads, _ => true, cancellationToken);
    }

    /// <summary>Starts a new experiment on this client (see <see cref="Experiment.InitAsync(ExperimentInitOptions, ClearMLSession?, CancellationToken)"/>).</summary>
    /// <exception cref="ArgumentException">The output URI's scheme is not supported.</exception>
    /// <exception cref="ClearMLRequestException">The server refused a call.</exception>
    public virtual Task<Experiment> InitAsync(ExperimentInitOptions options, CancellationToken cancellationToken = default) =>
        Experiment.InitAsync(options, Session, cancellationToken);

    /// <summary>Starts a new experiment on this client, as ClearML's <c>Task.init</c>.</summary>
    /// <exception cref="ArgumentException">A name is empty, the type is unknown, or the output URI's scheme is not supported.</exception>
    /// <exception cref="ClearMLRequestException">The server refused a call.</exception>
    public virtual Task<Experiment> InitAsync(string projectName, string taskName, string taskType = ExperimentType.Training,
        OutputDestination outputUri = default, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default) =>
        Experiment.InitAsync(projectName, taskName, taskType, outputUri, tags, Session, cancellationToken);

    /// <summary>Opens the experiment <paramref name="id"/> with its models loaded.</summary>
    /// <exception cref="ClearMLRequestException">No such task (400/101), or a call failed.</exception>
    public virtual Task<Experiment> GetExperimentAsync(string id, CancellationToken cancellationToken = default) =>
        Experiment.GetAsync(id, Session, cancellationToken);

    /// <summary>Loads the model <paramref name="id"/>.</summary>
    /// <exception cref="ClearMLRequestException">No such model (400/201), or the call failed.</exception>
    public virtual Task<Model> GetModelAsync(string id, CancellationToken cancellationToken = default) =>
        Model.GetAsync(id, Session, cancellationToken);

    /// <summary>Loads the model <paramref name="id"/> as an input model (to connect to an experiment or download).</summary>
    /// <exception cref="ClearMLRequestException">No such model (400/201), or the call failed.</exception>
    public virtual Task<InputModel> GetInputModelAsync(string id, CancellationToken cancellationToken = default) =>
        InputModel.GetAsync(id, Session, cancellationToken);

    /// <summary>The models <paramref name="query"/> matches, newest first, as a list.</summary>
    /// <exception cref="ArgumentException">No project is named <see cref="ModelQuery.ProjectName"/>.</exception>
    /// <exception cref="ClearMLRequestException">The server refused the query.</exception>
    public virtual Task<IReadOnlyList<Model>> QueryModelsAsync(ModelQuery? query = null, CancellationToken cancellationToken = default) =>
        Model.QueryModelsAsync(query ?? new ModelQuery(), Session, cancellationToken);

    /// <summary>The models <paramref name="query"/> matches, newest first, fetched page by page as they are consumed (see <see cref="Model.GetModelsAsync"/>).</summary>
    /// <exception cref="ArgumentException">No project is named <see cref="ModelQuery.ProjectName"/>.</exception>
    /// <exception cref="ClearMLRequestException">The server refused a page.</exception>
    public virtual IAsyncEnumerable<Model> GetModelsAsync(ModelQuery? query = null, CancellationToken cancellationToken = default) =>
        Model.GetModelsAsync(query, Session, cancellationToken);

    /// <summary>The models a query in Cairn's query language matches, newest first, as a list (see <see cref="Model.QueryAsync(string, string?, int?, bool, ClearMLSession?, CancellationToken)"/>).</summary>
    /// <exception cref="Protocol.Query.QueryException">The query does not parse or cannot be expressed on ClearML's wire (column and token in the exception).</exception>
    /// <exception cref="ArgumentException">No project is named <paramref name="projectName"/>, or the query names a project too.</exception>
    /// <exception cref="ClearMLRequestException">The server refused the query.</exception>
    public virtual Task<IReadOnlyList<Model>> QueryAsync(string query, string? projectName = null, int? maxResults = null, bool includeArchived = false,
        CancellationToken cancellationToken = default) =>
        Model.QueryAsync(query, projectName, maxResults, includeArchived, Session, cancellationToken);

    /// <summary>The models a query in Cairn's query language matches, newest first, fetched page by page as they are consumed (see <see cref="Model.QueryEachAsync(string, string?, bool, int, ClearMLSession?, CancellationToken)"/>).</summary>
    /// <exception cref="Protocol.Query.QueryException">The query does not parse or cannot be expressed on ClearML's wire (thrown by the call).</exception>
    /// <exception cref="ArgumentException">No project is named <paramref name="projectName"/>, or the query names a project too.</exception>
    /// <exception cref="ClearMLRequestException">The server refused a page.</exception>
    public virtual IAsyncEnumerable<Model> QueryEachAsync(string query, string? projectName = null, bool includeArchived = false, int pageSize = 500,
        CancellationToken cancellationToken = default) =>
        Model.QueryEachAsync(query, projectName, includeArchived, pageSize, Session, cancellationToken);

    /// <summary>Registers external weights as a model, or returns the existing one with that URL (see <see cref="InputModel.ImportModelAsync(ImportModelOptions, ClearMLSession?, CancellationToken)"/>).</summary>
    /// <exception cref="ArgumentException">The URL's scheme is not supported.</exception>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public virtual Task<InputModel> ImportModelAsync(ImportModelOptions options, CancellationToken cancellationToken = default) =>
        InputModel.ImportModelAsync(options, Session, cancellationToken);

    /// <summary>Disposes the session when this client made it (not for <see cref="ClearMLClient(ClearMLSession)"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the client's resources; overridden by substitutes that hold their own.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        if (_ownsSession && _session is not null)
        {
            await _session.DisposeAsync().ConfigureAwait(false);
        }
    }
}
