using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Experiments;
using Cairn.Models;
using Cairn.Protocol.Services;
using Cairn.Session;

namespace Cairn;

/// <summary>
/// A model an experiment uses (ClearML's <c>InputModel</c>): an existing model by id or by query,
/// or an external weights file registered with <see cref="ImportModelAsync(ImportModelOptions, ClearMLSession?, CancellationToken)"/>. Connecting it to an
/// experiment records it as that experiment's input.
/// </summary>
public sealed class InputModel : Model
{
    private InputModel(ClearMLSession session, string id)
        : base(session, id)
    {
    }

    /// <summary>
    /// A lazy handle on model <paramref name="id"/>: nothing is sent until a method needs the model
    /// (<see cref="ConnectAsync"/>, <see cref="Model.GetLocalCopyAsync"/>…, which load it) or
    /// <see cref="Model.LoadAsync"/> is called. Its properties can be read once it is loaded
    /// (<see cref="Model.IsLoaded"/>); <see cref="GetAsync"/> returns a loaded one in one step.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    public InputModel(string id, ClearMLSession? session = null)
        : base(id, session)
    {
    }

    /// <summary>The model <paramref name="id"/>, loaded (ClearML's <c>InputModel(model_id=…)</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    /// <exception cref="ClearMLRequestException">No such model (400/201), or the call failed.</exception>
    public static new async Task<InputModel> GetAsync(string id, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        var model = new InputModel(id, session);
        await model.LoadAsync(cancellationToken).ConfigureAwait(false);
        return model;
    }

    /// <summary>The experiment this model was connected to in this process, if any.</summary>
    public Experiment? ConnectedExperiment { get; private set; }

    /// <inheritdoc />
    public override string? TaskId => ConnectedExperiment?.Id ?? OriginalTaskId;

    /// <summary>
    /// The newest model that matches (ClearML's <c>InputModel(name=…, project=…, tags=…)</c>), loaded.
    /// </summary>
    /// <exception cref="ArgumentException">No project is named <paramref name="project"/>.</exception>
    /// <exception cref="InvalidOperationException">No model matches.</exception>
    public static async Task<InputModel> GetNewestAsync(string? name = null, string? project = null, IEnumerable<string>? tags = null,
        bool onlyPublished = false, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        session ??= SdkContext.DefaultSession;
        var tagList = tags?.ToList();
        await foreach (var data in QueryAsync(session, project, name, tagList, onlyPublished, includeArchived: false, maxResults: 1, metadata: null, cancellationToken).ConfigureAwait(false))
        {
            return FromData(session, data);
        }
        throw new InvalidOperationException(
            $"No model matches name={name ?? "(any)"}, project={project ?? "(any)"}, tags=[{string.Join(", ", tagList ?? [])}], onlyPublished={onlyPublished}.");
    }

    /// <summary>
    /// Registers an external weights file as a model, or returns the existing non-archived model
    /// with the same URL (every other argument is then ignored), as ClearML's <c>import_model</c>.
    /// A local path becomes a <c>file://</c> URL; a file this process downloaded through the cache
    /// is registered under the URL it came from.
    /// </summary>
    /// <param name="weightsUrl">The weights URL or local path.</param>
    /// <param name="configText">Design text; not with <paramref name="configDict"/>.</param>
    /// <param name="configDict">Design as a JSON object; not with <paramref name="configText"/>.</param>
    /// <param name="labelEnumeration">Label → class index.</param>
    /// <param name="name">The model name (default: "Imported by &lt;experiment&gt;", else ClearML's anonymous name).</param>
    /// <param name="project">The project to put it in (created if needed); default: the experiment's.</param>
    /// <param name="tags">The model's tags.</param>
    /// <param name="comment">The model's comment.</param>
    /// <param name="isPackage">The weights are a zip package.</param>
    /// <param name="createAsPublished">Publish the new model.</param>
    /// <param name="framework">The framework; inferred from the file name when null.</param>
    /// <param name="experiment">The importing experiment (named in the comment; its project is the default); it does not own the model.</param>
    /// <param name="session">The connection; null for the experiment's, else the one made from the configuration.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <exception cref="ArgumentException">Both config arguments given, an empty URL, or an unsupported scheme.</exception>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public static async Task<InputModel> ImportModelAsync(string weightsUrl, string? configText = null, JsonObject? configDict = null,
        IReadOnlyDictionary<string, int>? labelEnumeration = null, string? name = null, string? project = null, IEnumerable<string>? tags = null,
        string? comment = null, bool isPackage = false, bool createAsPublished = false, string? framework = null, Experiment? experiment = null,
        ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsUrl);
        if (configText is not null && configDict is not null)
        {
            throw new ArgumentException("Give configText or configDict, not both.", nameof(configDict));
        }
        session ??= experiment?.Session ?? SdkContext.DefaultSession;
        var url = NormalizeWeightsUrl(weightsUrl);
        if (await FindByUrlAsync(session, url, includeArchived: false, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var projectId = project is not null
            ? await ProjectDirectory.GetOrCreateAsync(session, project, cancellationToken).ConfigureAwait(false)
            : experiment?.ProjectId;
        var id = await ModelWire.CreateAsync(session, PlaceholderUri.Under(null, PlaceholderUri.Uploading), AnonymousName(), projectId, cancellationToken).ConfigureAwait(false);
        var modelName = name ?? (experiment is null ? null : $"Imported by {experiment.Name}");
        var fullComment = experiment is null ? comment : $"Imported by task id: {experiment.Id}" + (comment is null ? "" : "\n" + comment);
        var edit = new EditModelRequest
        {
            Uri = url,
            Name = modelName,
            Comment = fullComment,
            Labels = labelEnumeration is null ? null : LabelsOf(labelEnumeration),
            Design = DesignOf(configText, configDict) is { } design ? DesignObject(design) : null,
            Tags = tags?.ToList() is { Count: > 0 } tagList ? [.. tagList] : null,
            Framework = framework ?? Cairn.Framework.FromFileName(url),
            Project = projectId,
            SystemTags = isPackage ? ["package"] : null,
        };
        await ModelWire.EditAsync(session, id, edit, cancellationToken).ConfigureAwait(false);
        var model = new InputModel(session, id);
        if (createAsPublished)
        {
            await session.CallAsync("models.set_ready", new SetReadyRequest { Model = id, PublishTask = false }, cancellationToken).ConfigureAwait(false);
        }
        await model.LoadAsync(cancellationToken).ConfigureAwait(false);
        return model;
    }

    /// <summary>Registers external weights as <see cref="ImportModelAsync(string, string?, JsonObject?, IReadOnlyDictionary{string, int}?, string?, string?, IEnumerable{string}?, string?, bool, bool, string?, Experiment?, ClearMLSession?, CancellationToken)"/>, from an options object.</summary>
    /// <param name="options">The URL and everything else to record.</param>
    /// <param name="session">The connection; null for the options' experiment's, else the default client's.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The URL's scheme is not supported.</exception>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public static Task<InputModel> ImportModelAsync(ImportModelOptions options, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ImportModelAsync(options.WeightsUrl, options.ConfigText, options.ConfigDict, options.LabelEnumeration, options.Name, options.Project,
            options.Tags, options.Comment, options.IsPackage, options.CreateAsPublished, options.Framework, options.Experiment, session, cancellationToken);
    }

    /// <summary>
    /// The newest model registered with exactly this weights URL (a local path is read as
    /// <c>file://</c>), as ClearML's <c>load_model</c>; never creates one. Null when none is.
    /// </summary>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public static Task<InputModel?> LoadModelAsync(string weightsUrl, bool loadArchived = false, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsUrl);
        return FindByUrlAsync(session ?? SdkContext.DefaultSession, NormalizeWeightsUrl(weightsUrl), loadArchived, cancellationToken);
    }

    /// <summary>
    /// Registers this model as an input of <paramref name="experiment"/> under <paramref name="name"/>
    /// (default: the weights file name without extension, else "Input Model"): notes
    /// <c>Using model id: …</c> in the experiment's comment, calls <c>tasks.add_or_update_model</c>
    /// (type input), and copies the model's labels and design to the experiment when it has none.
    /// </summary>
    /// <exception cref="ClearMLRequestException">A call failed (e.g. the model does not exist).</exception>
    public async Task ConnectAsync(Experiment experiment, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        await LoadAsync(cancellationToken).ConfigureAwait(false);
        await experiment.AppendCommentLineAsync($"Using model id: {Id}", cancellationToken).ConfigureAwait(false);
        var entry = name ?? EntryNameFromUrl(Url) ?? "Input Model";
        await experiment.RegisterModelAsync(this, entry, "input", cancellationToken).ConfigureAwait(false);
        await experiment.AdoptLabelsAndDesignAsync(Labels, ConfigText, overwriteLabels: false, cancellationToken).ConfigureAwait(false);
        ConnectedExperiment = experiment;
        experiment.Touch(this);
    }

    internal static string? EntryNameFromUrl(string? url)
    {
        if (string.IsNullOrEmpty(url) || PlaceholderUri.IsPlaceholder(url))
        {
            return null;
        }
        var last = Uri.UnescapeDataString(url.TrimEnd('/').Split('/')[^1]);
        var stem = Path.GetFileNameWithoutExtension(last);
        return string.IsNullOrEmpty(stem) ? null : stem;
    }

    internal static string AnonymousName() => $"Anonymous model {DateTime.Now:yyyy-MM-dd HH:mm:ss}";

    /// <summary>A label enumeration as the model requests carry it.</summary>
    internal static Dictionary<string, int?> LabelsOf(IReadOnlyDictionary<string, int> labels) =>
        labels.ToDictionary(p => p.Key, p => (int?)p.Value, StringComparer.Ordinal);

    /// <summary>A label enumeration inside a task's open-ended <c>execution</c> (<c>model_labels</c>).</summary>
    internal static JsonObject LabelsJson(IReadOnlyDictionary<string, int> labels)
    {
        var map = new JsonObject();
        foreach (var (label, index) in labels)
        {
            map[label] = index;
        }
        return map;
    }

    /// <summary>A model's <c>design</c> as ClearML's SDKs write it: <c>{design: text}</c> (the field itself is open-ended).</summary>
    internal static JsonObject DesignObject(string design) => new() { ["design"] = design };

    internal static string? DesignOf(string? configText, JsonObject? configDict) =>
        configText ?? configDict?.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static InputModel FromData(ClearMLSession session, ModelDocument data)
    {
        var model = new InputModel(session, data.Id!);
        model.SetData(data);
        return model;
    }

    private static async Task<InputModel?> FindByUrlAsync(ClearMLSession session, string url, bool includeArchived, CancellationToken cancellationToken)
    {
        var filter = new GetAllModelsRequest
        {
            Uri = [url],
            OrderBy = ["-created"],
            SystemTags = includeArchived ? null : ["-archived"],
        };
        await foreach (var data in ModelWire.GetAllAsync(session, filter, 1, cancellationToken).ConfigureAwait(false))
        {
            return FromData(session, data);
        }
        return null;
    }

    private static string NormalizeWeightsUrl(string weightsUrl)
    {
        if (weightsUrl.Contains("://", StringComparison.Ordinal))
        {
            return ModelDestination.Conform(weightsUrl, nameof(weightsUrl));
        }
        return SdkContext.RemoteUrlOf(weightsUrl) ?? new Uri(Path.GetFullPath(weightsUrl)).AbsoluteUri;
    }
}
