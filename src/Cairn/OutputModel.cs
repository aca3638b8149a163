using System.Text.Json.Nodes;
using Cairn.Models;
using Cairn.Protocol.Services;

namespace Cairn;

/// <summary>
/// A model an experiment produces (ClearML's <c>OutputModel</c>). It is created on the server
/// lazily, the first time something must be stored (weights, metadata, publishing…): until then
/// <see cref="Model.Id"/> is empty and the properties show what was given here. Weights uploads
/// run in the background (<see cref="UpdateWeightsAsync(UpdateWeightsOptions, CancellationToken)"/>); one output model can be updated many
/// times (each call overwrites its weights), and an experiment can have several.
/// </summary>
public sealed partial class OutputModel : Model
{
    private static string? _defaultUploadUri;

    private readonly SemaphoreSlim _createLock = new(1, 1);

    private readonly string? _baseModelId;

    private bool _created;

    private string? _entryName;

    private bool _entryRegistered;

    private string? _uploadDestination;

    /// <summary>
    /// A new output model of <paramref name="experiment"/>; nothing is sent yet, except with
    /// <paramref name="baseModelId"/>, which re-uses that existing model (it is moved to this
    /// experiment when first stored).
    /// </summary>
    /// <param name="experiment">The experiment that produces the model.</param>
    /// <param name="configText">Design text; not with <paramref name="configDict"/>.</param>
    /// <param name="configDict">Design as a JSON object (stored as its JSON text); not with <paramref name="configText"/>.</param>
    /// <param name="labelEnumeration">Label → class index; default: the experiment's labels.</param>
    /// <param name="name">The model name; default: the experiment's name.</param>
    /// <param name="tags">The model's tags.</param>
    /// <param name="comment">Added below "Created by task id: …".</param>
    /// <param name="framework">The framework (see <see cref="Cairn.Framework"/>); inferred from the weights file name when null.</param>
    /// <param name="baseModelId">An existing model to re-use instead of creating one.</param>
    /// <exception cref="ArgumentException">Both config arguments are given.</exception>
    public OutputModel(Experiment experiment, string? configText = null, JsonObject? configDict = null,
        IReadOnlyDictionary<string, int>? labelEnumeration = null, string? name = null, IEnumerable<string>? tags = null,
        string? comment = null, string? framework = null, string? baseModelId = null)
        : base(RequireExperiment(experiment).Session, baseModelId ?? "")
    {
        if (configText is not null && configDict is not null)
        {
            throw new ArgumentException("Give configText or configDict, not both.", nameof(configDict));
        }
        if (baseModelId is not null && string.IsNullOrWhiteSpace(baseModelId))
        {
            throw new ArgumentException("baseModelId must not be blank.", nameof(baseModelId));
        }
        Experiment = experiment;
        _baseModelId = baseModelId;
        var labels = labelEnumeration ?? experiment.Labels;
        SetData(new ModelDocument
        {
            Name = name ?? experiment.Name,
            Comment = $"Created by task id: {experiment.Id}" + (comment is null ? "" : "\n" + comment),
            Tags = [.. tags ?? []],
            SystemTags = [],
            Labels = InputModel.LabelsOf(labels),
            Design = InputModel.DesignObject(InputModel.DesignOf(configText, configDict) ?? ""),
            Task = experiment.Id,
            Project = experiment.ProjectId,
            Ready = false,
            Framework = framework,
        });
    }

    /// <summary>The experiment that produces this model.</summary>
    public Experiment Experiment { get; }

    /// <summary>Whether the model exists on the server yet.</summary>
    public bool IsCreated => _created;

    /// <inheritdoc />
    public override bool Published => _created && base.Published;

    /// <inheritdoc />
    public override string? TaskId => Experiment.Id;

    /// <summary>
    /// Where weights go when <see cref="UpdateWeightsAsync(UpdateWeightsOptions, CancellationToken)"/> gets no <c>uploadUri</c>: this model's
    /// destination (<see cref="SetUploadDestination"/>), else its client's default
    /// (<see cref="ClearMLClient.SetDefaultUploadUri"/>, <see cref="Configuration.ClearMLOptions.DefaultUploadUri"/>),
    /// else the process default (<see cref="SetDefaultUploadUri"/>), else the experiment's
    /// <see cref="Cairn.Experiment.OutputUri"/>; null when none is set (weights are then registered
    /// by local path, not uploaded).
    /// </summary>
    public string? UploadStorageUri => _uploadDestination ?? Session.DefaultUploadUri ?? _defaultUploadUri ?? Experiment.OutputUri;

    /// <summary>
    /// Sets where this model's weights are uploaded (ClearML's <c>set_upload_destination</c>);
    /// a local folder becomes <c>file://</c> and is created.
    /// </summary>
    /// <exception cref="ArgumentException">The URI's scheme is not file, http(s), s3, gs or azure.</exception>
    /// <exception cref="InvalidOperationException">The model is published.</exception>
    public void SetUploadDestination(string uri)
    {
        ThrowIfPublished();
        var conformed = ModelDestination.ConformDestination(uri, nameof(uri), Session);
        if (conformed.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            Directory.CreateDirectory(new Uri(conformed).LocalPath);
        }
        _uploadDestination = conformed;
    }

    /// <summary>
    /// Sets the upload destination of every output model of this process that has none of its
    /// own and whose client has no default (<see cref="ClearMLClient.SetDefaultUploadUri"/>); null clears it. Unlike ClearML's Python SDK, where it only applies offline, it applies
    /// online too, ranking after a model's own destination and before the experiment's output URI.
    /// </summary>
    /// <exception cref="ArgumentException">The URI's scheme is not supported.</exception>
    public static void SetDefaultUploadUri(string? uri) =>
        _defaultUploadUri = uri is null ? null : ModelDestination.ConformDestination(uri, nameof(uri), null);

    /// <summary>
    /// Waits for this process's background weights uploads, those of every client (the oldest
    /// <paramref name="maxNumUploads"/>, or all), and throws the failures among them.
    /// <see cref="ClearMLClient.WaitForUploadsAsync"/> waits for one client's only.
    /// </summary>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> passed; the uploads go on.</exception>
    /// <exception cref="ModelUploadException">An upload failed (several: <see cref="AggregateException"/>); the model's URI is <c>…/failed_uploading</c>.</exception>
    public static Task WaitForUploadsAsync(TimeSpan? timeout = null, int? maxNumUploads = null, CancellationToken cancellationToken = default)
    {
        if (maxNumUploads <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNumUploads), maxNumUploads, "maxNumUploads must be positive.");
        }
        return UploadQueue.WaitAllAsync(timeout, maxNumUploads, cancellationToken);
    }

    /// <summary>
    /// Registers this model as an output of <paramref name="experiment"/> (the one it was made
    /// with) under entry name <paramref name="name"/>, and copies its labels and design to the
    /// experiment when the experiment has none.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="experiment"/> is not the model's experiment.</exception>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public async Task ConnectAsync(Experiment experiment, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (experiment.Id != Experiment.Id)
        {
            throw new ArgumentException($"An output model can only be connected to the experiment it was made with ({Experiment.Id}).", nameof(experiment));
        }
        if (name is not null && name != _entryName)
        {
            _entryName = name;
            _entryRegistered = false;
        }
        await experiment.AdoptLabelsAndDesignAsync(Labels, ConfigText, overwriteLabels: false, cancellationToken).ConfigureAwait(false);
        if (_created)
        {
            _entryName ??= InputModel.EntryNameFromUrl(Url) ?? "Output Model";
            await RegisterEntryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sets the design (stored as <c>design.design</c>) and, when the experiment has no design
    /// yet, the experiment's too.
    /// </summary>
    /// <exception cref="ArgumentException">Both or neither argument is given.</exception>
    /// <exception cref="InvalidOperationException">The model is published.</exception>
    public async Task UpdateDesignAsync(string? configText = null, JsonObject? configDict = null, CancellationToken cancellationToken = default)
    {
        if ((configText is null) == (configDict is null))
        {
            throw new ArgumentException("Give exactly one of configText or configDict.", nameof(configText));
        }
        await ThrowIfPublishedAsync(cancellationToken).ConfigureAwait(false);
        var design = InputModel.DesignOf(configText, configDict)!;
        await Experiment.AdoptLabelsAndDesignAsync(new Dictionary<string, int>(), design, overwriteLabels: false, cancellationToken).ConfigureAwait(false);
        await SetFieldAsync(d => d with { Design = InputModel.DesignObject(design) }, new EditModelRequest { Design = InputModel.DesignObject(design) }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the label enumeration, on the model and (always, as ClearML does) on the experiment.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The model is published.</exception>
    public async Task UpdateLabelsAsync(IReadOnlyDictionary<string, int> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        await ThrowIfPublishedAsync(cancellationToken).ConfigureAwait(false);
        await Experiment.AdoptLabelsAndDesignAsync(labels, "", overwriteLabels: true, cancellationToken).ConfigureAwait(false);
        await SetFieldAsync(d => d with { Labels = InputModel.LabelsOf(labels) }, new EditModelRequest { Labels = InputModel.LabelsOf(labels) }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the model on the server now, as storing weights or metadata would (for example
    /// before reporting scalars to it); nothing is sent when it already exists.
    /// </summary>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public Task CreateOnServerAsync(CancellationToken cancellationToken = default) => EnsureCreatedAsync(cancellationToken);

    /// <inheritdoc />
    public override async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        if (!_created && _baseModelId is null)
        {
            return; // Nothing on the server yet: the floating values stand.
        }
        await base.LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the model on the server if it is not there yet (ClearML's materialisation).</summary>
    private protected override async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }
        await _createLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_created)
            {
                return;
            }
            if (_baseModelId is not null)
            {
                await AdoptBaseModelAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await CreateAsync(cancellationToken).ConfigureAwait(false);
            }
            _created = true;
            await base.LoadAsync(cancellationToken).ConfigureAwait(false);
            Experiment.Touch(this);
            Experiment.NoteModel("output", null, this);
        }
        finally
        {
            _createLock.Release();
        }
        if (_entryName is not null)
        {
            await RegisterEntryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        var floating = Data;
        var placeholder = PlaceholderUri.Under(UploadStorageUri, PlaceholderUri.Uploading);
        Id = await ModelWire.CreateAsync(Session, placeholder, InputModel.AnonymousName(), Experiment.ProjectId, cancellationToken).ConfigureAwait(false);
        var edit = new EditModelRequest
        {
            Uri = placeholder,
            Name = floating.Name,
            Comment = floating.Comment,
            Labels = floating.Labels is { } labels ? new Dictionary<string, int?>(labels, StringComparer.Ordinal) : null,
            Design = floating.Design,
            Task = Experiment.Id,
            Project = Experiment.ProjectId,
            Framework = floating.Framework,
            Tags = floating.Tags is { Count: > 0 } tags ? [.. tags] : null,
            Parent = ParentFromExperiment(),
        };
        await ModelWire.EditAsync(Session, Id, edit, cancellationToken).ConfigureAwait(false);
    }

    private async Task AdoptBaseModelAsync(CancellationToken cancellationToken)
    {
        await base.LoadAsync(cancellationToken).ConfigureAwait(false);
        var comment = Comment;
        var note = $"Overwritten by task id: {Experiment.Id}";
        await ModelWire.EditAsync(Session, Id, new EditModelRequest
        {
            Task = Experiment.Id,
            Project = Experiment.ProjectId,
            Comment = comment.Length == 0 ? note : comment + "\n" + note,
        }, cancellationToken).ConfigureAwait(false);
        _entryName ??= InputModel.EntryNameFromUrl(Url);
    }

    private string? ParentFromExperiment() =>
        _entryName is null ? null
            : Experiment.Data.Models?.Input?.FirstOrDefault(e => e.Name == _entryName)?.Model;

    private async Task RegisterEntryAsync(CancellationToken cancellationToken)
    {
        if (_entryRegistered || _entryName is null || !_created)
        {
            return;
        }
        await Experiment.RegisterModelAsync(this, _entryName, "output", cancellationToken).ConfigureAwait(false);
        _entryRegistered = true;
    }

    /// <summary>Changes a field: on the floating copy until the model exists (<paramref name="floating"/>), else on the server (<paramref name="edit"/>).</summary>
    private async Task SetFieldAsync(Func<ModelDocument, ModelDocument> floating, EditModelRequest edit, CancellationToken cancellationToken)
    {
        if (!_created && _baseModelId is null)
        {
            SetData(floating(Data)); // Sent with the rest when the model is created.
            return;
        }
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await ModelWire.EditAsync(Session, Id, edit, cancellationToken).ConfigureAwait(false);
        await base.LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfPublished()
    {
        if (IsLoaded && Published)
        {
            throw new InvalidOperationException($"Model {Id} is published; a published model cannot change.");
        }
    }

    private async Task ThrowIfPublishedAsync(CancellationToken cancellationToken)
    {
        if (_created || _baseModelId is not null)
        {
            await base.LoadAsync(cancellationToken).ConfigureAwait(false);
            if (base.Published)
            {
                throw new InvalidOperationException($"Model {Id} is published; a published model cannot change.");
            }
        }
    }

    private static Experiment RequireExperiment(Experiment experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        return experiment;
    }
}
